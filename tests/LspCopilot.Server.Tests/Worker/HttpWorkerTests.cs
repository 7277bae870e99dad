using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using LspCopilot.Completion;
using LspCopilot.Server.Worker.Http;
using LspCopilot.TestSupport;

namespace LspCopilot.Server.Tests.Worker;

/// <summary>
/// <c>lspcopilot worker --http</c>: the model as a service other tools call, over real HTTP — the real program on the
/// tiny FIM model for the wire formats, and the service in process around scripted engines for cancellation,
/// loading and stall states.
/// </summary>
public sealed partial class HttpWorkerTests
{
    private static readonly TimeSpan s_guard = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task RealWorker_HealthModelsCompletionsAndInfill_InTheirWireFormats()
    {
        var (worker, http) = await StartAsync();
        await using var _ = worker;
        using var __ = http;

        using var health = await JsonAsync(await http.GetAsync(new Uri("health", UriKind.Relative), TestContext.Current.CancellationToken));
        using var models = await JsonAsync(await http.GetAsync(new Uri("v1/models", UriKind.Relative), TestContext.Current.CancellationToken));
        using var completion = await JsonAsync(await PostAsync(http, "v1/completions", new { prompt = "Once upon a time", suffix = " The end.", max_tokens = 8 }));
        using var infill = await JsonAsync(await PostAsync(http, "infill", new { input_prefix = "Once upon a", prompt = " time", input_suffix = "", n_predict = 6, input_extra = new[] { new { filename = "a.txt", text = "Lily" } } }));

        Assert.Equal("ok", health.RootElement.GetProperty("status").GetString());
        Assert.Equal("stories260K-fim.gguf", models.RootElement.GetProperty("data")[0].GetProperty("id").GetString());
        var choice = completion.RootElement.GetProperty("choices")[0];
        Assert.False(string.IsNullOrEmpty(choice.GetProperty("text").GetString()));
        Assert.Contains(choice.GetProperty("finish_reason").GetString(), new[] { "stop", "length" });
        Assert.True(completion.RootElement.GetProperty("usage").GetProperty("completion_tokens").GetInt32() is > 0 and <= 8);
        Assert.True(infill.RootElement.GetProperty("stop").GetBoolean());
        Assert.True(infill.RootElement.GetProperty("tokens_predicted").GetInt32() is > 0 and <= 6);
    }

    [Fact]
    public async Task RealWorker_InfillWarmUp_NPredictZeroReadsTheContext_TheNextInfillReusesIt()
    {
        var (worker, http) = await StartAsync();
        await using var _ = worker;
        using var __ = http;
        var extra = new[] { new { filename = "context", text = "Lily has a red ball and a big dog named Max. Max likes to run in the park with Lily every day.\n" } };

        using var warmUp = await JsonAsync(await PostAsync(http, "infill", new { input_prefix = "", input_suffix = "", n_predict = 0, input_extra = extra }));
        using var infill = await JsonAsync(await PostAsync(http, "infill", new { input_prefix = "Once upon a", prompt = " time", input_suffix = "", n_predict = 4, input_extra = extra }));

        Assert.Equal(0, warmUp.RootElement.GetProperty("id_slot").GetInt32());
        Assert.True(warmUp.RootElement.GetProperty("tokens_predicted").GetInt32() <= 1);
        var timings = infill.RootElement.GetProperty("timings");
        Assert.True(timings.GetProperty("cache_n").GetInt32() >= 20, infill.RootElement.GetRawText());
    }

    [Fact]
    public async Task RealWorker_StreamedCompletion_PiecesAddUpToTheWholeAnswer_ThenDone()
    {
        var (worker, http) = await StartAsync();
        await using var _ = worker;
        using var __ = http;
        var body = new { prompt = "Once upon a time, there was a little", max_tokens = 12 };
        using var whole = await JsonAsync(await PostAsync(http, "v1/completions", body));

        var events = await EventsAsync(await PostAsync(http, "v1/completions", new { body.prompt, body.max_tokens, stream = true }));

        Assert.Equal("[DONE]", events[^1]);
        var chunks = events[..^1].Select(e => JsonDocument.Parse(e).RootElement.GetProperty("choices")[0]).ToList();
        Assert.True(chunks.Count >= 2, string.Join("\n", events));
        Assert.Equal(whole.RootElement.GetProperty("choices")[0].GetProperty("text").GetString(), string.Concat(chunks.Select(c => c.GetProperty("text").GetString())));
        Assert.All(chunks[..^1], c => Assert.Equal(JsonValueKind.Null, c.GetProperty("finish_reason").ValueKind));
        Assert.NotEqual(JsonValueKind.Null, chunks[^1].GetProperty("finish_reason").ValueKind);
    }

    [Fact]
    public async Task RealWorker_ChatCompletions_AnswerAndStreamInOpenAisShape()
    {
        var (worker, http) = await StartAsync();
        await using var _ = worker;
        using var __ = http;
        var messages = new[] { new { role = "user", content = "Tell me a story about a dog." } };

        using var answer = await JsonAsync(await PostAsync(http, "v1/chat/completions", new { messages, max_tokens = 8 }));
        var events = await EventsAsync(await PostAsync(http, "v1/chat/completions", new { messages, max_tokens = 8, stream = true }));

        var message = answer.RootElement.GetProperty("choices")[0].GetProperty("message");
        Assert.Equal("assistant", message.GetProperty("role").GetString());
        Assert.Equal(JsonValueKind.String, message.GetProperty("content").ValueKind);
        Assert.Equal("[DONE]", events[^1]);
        var deltas = events[..^1].Select(e => JsonDocument.Parse(e).RootElement.GetProperty("choices")[0]).ToList();
        Assert.Equal("chat.completion.chunk", JsonDocument.Parse(events[0]).RootElement.GetProperty("object").GetString());
        Assert.Equal(message.GetProperty("content").GetString(), string.Concat(deltas.Select(d => d.GetProperty("delta").TryGetProperty("content", out var c) ? c.GetString() : string.Empty)));
    }

    [Fact]
    public async Task RealWorker_PropsAndTokenize_AsLlamaServerAnswersThem()
    {
        var (worker, http) = await StartAsync();
        await using var _ = worker;
        using var __ = http;

        using var props = await JsonAsync(await http.GetAsync(new Uri("props", UriKind.Relative), TestContext.Current.CancellationToken));
        using var pieces = await JsonAsync(await PostAsync(http, "tokenize", new { content = "Once upon a time", with_pieces = true }));
        using var ids = await JsonAsync(await PostAsync(http, "tokenize", new { content = "Once upon a time" }));

        Assert.Equal(2048, props.RootElement.GetProperty("default_generation_settings").GetProperty("n_ctx").GetInt32());
        var tokens = pieces.RootElement.GetProperty("tokens").EnumerateArray().ToList();
        Assert.Equal("Once upon a time", string.Concat(tokens.Select(t => t.GetProperty("piece").GetString())).TrimStart());
        Assert.Equal(tokens.Select(t => t.GetProperty("id").GetInt32()), ids.RootElement.GetProperty("tokens").EnumerateArray().Select(t => t.GetInt32()));
    }

    [Fact]
    public async Task OurLlamaServerBackend_AgainstOurHttpWorker_CompletesAndStreams()
    {
        var (worker, http) = await StartAsync();
        await using var _ = worker;
        using var __ = http;
        var options = new EngineOptions { Backend = new BackendOptions { Kind = "llama-server", Endpoint = http.BaseAddress!.ToString().TrimEnd('/') } };
        using var engine = Composition.WithModelServers(Composition.ChildWorker)(options, ServerLog.Silent);
        var pieces = new List<string>();

        var result = await engine.CompleteAsync(new CompletionRequest("Once upon a time, there was a little", " The end.", CompletionMode.MultiLine) { Generation = new GenerationOptions { MaxTokens = 8 } }, pieces.Add, TestContext.Current.CancellationToken).WaitAsync(s_guard, TestContext.Current.CancellationToken);

        Assert.NotEmpty(result.Text);
        Assert.NotEmpty(pieces);
        Assert.Equal("stories260K-fim.gguf", engine.ModelName);
    }

    [Fact]
    public async Task RealWorker_StreamedInfill_EndsWithAStopEvent()
    {
        var (worker, http) = await StartAsync();
        await using var _ = worker;
        using var __ = http;

        var events = await EventsAsync(await PostAsync(http, "infill", new { input_prefix = "Once upon a time", input_suffix = " The end.", n_predict = 6, stream = true }));

        var last = JsonDocument.Parse(events[^1]).RootElement;
        Assert.True(last.GetProperty("stop").GetBoolean());
        Assert.All(events[..^1], e => Assert.False(JsonDocument.Parse(e).RootElement.GetProperty("stop").GetBoolean()));
    }

    [Theory]
    [InlineData("v1/completions", "not json", "not valid JSON")]
    [InlineData("v1/completions", "[1]", "must be a JSON object")]
    [InlineData("v1/completions", "{}", "'prompt' is required")]
    [InlineData("v1/completions", "{\"prompt\": 3}", "'prompt' must be a string")]
    [InlineData("v1/completions", "{\"prompt\": \"a\", \"max_tokens\": \"many\"}", "'max_tokens' must be")]
    [InlineData("v1/completions", "{\"prompt\": \"a\", \"temperature\": -1}", "'temperature' must be")]
    [InlineData("v1/completions", "{\"prompt\": \"a\", \"stop\": 5}", "'stop' must be")]
    [InlineData("infill", "{\"input_extra\": \"x\"}", "'input_extra' must be")]
    [InlineData("v1/chat/completions", "{\"messages\": []}", "'messages' must be")]
    [InlineData("v1/chat/completions", "{\"messages\": [{\"role\": \"user\"}]}", "'messages' must be")]
    public async Task RealWorker_BadRequest_JsonErrorThatSaysWhat_AndTheWorkerServesOn(string path, string body, string message)
    {
        var (worker, http) = await StartAsync();
        await using var _ = worker;
        using var __ = http;

        using var response = await http.PostAsync(new Uri(path, UriKind.Relative), new StringContent(body, Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        using var after = await http.GetAsync(new Uri("health", UriKind.Relative), TestContext.Current.CancellationToken);

        Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.NotImplemented, $"{response.StatusCode}: {text}");
        Assert.Contains(message, JsonDocument.Parse(text).RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    [Fact]
    public async Task RealWorker_BodyOverTheCap_413_UnknownPath_404()
    {
        var (worker, http) = await StartAsync();
        await using var _ = worker;
        using var __ = http;

        // Only the headers: the worker answers from the declared length, before reading any of the body.
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync("127.0.0.1", http.BaseAddress!.Port, TestContext.Current.CancellationToken);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {WorkerHttpService.MaxBodyBytes + 1}\r\n\r\n{{"), TestContext.Current.CancellationToken);
        var status = await new StreamReader(stream).ReadLineAsync(TestContext.Current.CancellationToken);
        using var missing = await http.GetAsync(new Uri("v2/anything", UriKind.Relative), TestContext.Current.CancellationToken);

        Assert.StartsWith("HTTP/1.1 413", status, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Token_WrongOrMissingBearer_401_RightOne_Served()
    {
        const string Token = "an-http-worker-secret";
        var (worker, http) = await StartAsync(new Dictionary<string, string?> { ["LSPCOPILOT_TOKEN"] = Token });
        await using var _ = worker;
        using var __ = http;

        using var missing = await http.GetAsync(new Uri("v1/models", UriKind.Relative), TestContext.Current.CancellationToken);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "not-it");
        using var wrong = await http.GetAsync(new Uri("v1/models", UriKind.Relative), TestContext.Current.CancellationToken);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        var right = HttpStatusCode.Unauthorized;
        await Eventually.TrueAsync(async () =>
        {
            // 503 until the model has loaded.
            using var response = await http.GetAsync(new Uri("v1/models", UriKind.Relative), TestContext.Current.CancellationToken);
            right = response.StatusCode;
            return right != HttpStatusCode.ServiceUnavailable;
        });

        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.OK, right);
    }

    [Fact]
    public async Task OffLoopbackWithoutToken_RefusedAtStartup()
    {
        await using var worker = LspCopilotProcess.Start(["worker", "--http", "0.0.0.0:0", "--model", TestModels.Require(TestModels.Fim)]);

        Assert.Equal(2, await worker.WaitForExitAsync());
        Assert.Contains("without a token", worker.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClientDisconnectsMidStream_TheEngineCallIsCancelled_AndHealthSaysSo()
    {
        var engine = new EndlessEngine();
        await using var service = await WorkerHttpService.StartAsync(new IPEndPoint(IPAddress.Loopback, 0), () => engine, null, TimeSpan.FromSeconds(60), ServerLog.Silent, TestContext.Current.CancellationToken);
        using var http = Client(service);

        using (var request = new HttpRequestMessage(HttpMethod.Post, new Uri("v1/completions", UriKind.Relative)) { Content = JsonContent.Create(new { prompt = "a", stream = true, max_tokens = 100 }) })
        using (var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken))
        {
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(TestContext.Current.CancellationToken));
            Assert.StartsWith("data: ", await reader.ReadLineAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        }

        // Disposing the response closed the connection: the engine's token fires and the request ends as cancelled.
        await engine.Cancelled.Task.WaitAsync(s_guard, TestContext.Current.CancellationToken);
        Assert.True(await Eventually.TrueAsync(() => service.State is { Busy: false, Last.Outcome: "cancelled" }));
    }

    [Fact]
    public async Task Health_WhileLoading503_LoadFailed503WithTheReason_StuckEngine503()
    {
        ICompletionEngine? engine = null;
        await using var service = await WorkerHttpService.StartAsync(new IPEndPoint(IPAddress.Loopback, 0), () => engine, null, TimeSpan.FromMilliseconds(300), ServerLog.Silent, TestContext.Current.CancellationToken);
        using var http = Client(service);

        using var loading = await JsonAsync(await http.GetAsync(new Uri("health", UriKind.Relative), TestContext.Current.CancellationToken), HttpStatusCode.ServiceUnavailable);
        service.State.LoadError = "The model file is gone.";
        using var failed = await JsonAsync(await http.GetAsync(new Uri("health", UriKind.Relative), TestContext.Current.CancellationToken), HttpStatusCode.ServiceUnavailable);
        var stuck = new EndlessEngine { Stuck = true };
        engine = stuck;
        service.State.LoadError = null;
        var running = PostAsync(http, "v1/completions", new { prompt = "a", max_tokens = 5 });
        await stuck.Started.Task.WaitAsync(s_guard, TestContext.Current.CancellationToken);
        var stalled = await Eventually.TrueAsync(async () =>
        {
            using var health = await http.GetAsync(new Uri("health", UriKind.Relative), TestContext.Current.CancellationToken);
            return health.StatusCode == HttpStatusCode.ServiceUnavailable && (await health.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).Contains("stalled", StringComparison.Ordinal);
        });
        http.CancelPendingRequests();
        await Record.ExceptionAsync(() => running);

        Assert.Equal("loading", loading.RootElement.GetProperty("status").GetString());
        Assert.Equal("The model file is gone.", failed.RootElement.GetProperty("message").GetString());
        Assert.True(stalled, "a request whose engine shows no progress makes /health answer 503 stalled");
    }

    private static async Task<(LspCopilotProcess Worker, HttpClient Http)> StartAsync(IReadOnlyDictionary<string, string?>? environment = null)
    {
        var worker = LspCopilotProcess.Start(["worker", "--http", "127.0.0.1:0", "--model", TestModels.Require(TestModels.Fim)], environment);
        int port;
        try
        {
            port = await worker.WaitForListeningAsync(Listening());
        }
        catch (InvalidOperationException)
        {
            await worker.DisposeAsync();
            throw;
        }

        var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = s_guard };
        await Eventually.TrueAsync(async () => (await http.GetAsync(new Uri("health", UriKind.Relative))).StatusCode == HttpStatusCode.OK || environment is not null);
        return (worker, http);
    }

    private static HttpClient Client(WorkerHttpService service) =>
        new(new SocketsHttpHandler { MaxResponseDrainSize = 0 }) { BaseAddress = new Uri($"http://127.0.0.1:{service.LocalEndpoint.Port}/"), Timeout = s_guard };

    private static Task<HttpResponseMessage> PostAsync(HttpClient http, string path, object body) =>
        http.PostAsJsonAsync(new Uri(path, UriKind.Relative), body, TestContext.Current.CancellationToken);

    private static async Task<JsonDocument> JsonAsync(HttpResponseMessage response, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            Assert.True(response.StatusCode == expected, $"{response.StatusCode}: {text}");
            return JsonDocument.Parse(text);
        }
    }

    /// <summary>The data of each server-sent event, in order.</summary>
    private static async Task<List<string>> EventsAsync(HttpResponseMessage response)
    {
        using (response)
        {
            Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
            var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            return [.. text.Split('\n').Where(l => l.StartsWith("data: ", StringComparison.Ordinal)).Select(l => l[6..])];
        }
    }

    [GeneratedRegex(@"listening on http://127\.0\.0\.1:(\d+)")]
    private static partial Regex Listening();

    /// <summary>Streams a token every few milliseconds until cancelled (or, when <see cref="Stuck"/>, never moves at all).</summary>
    private sealed class EndlessEngine : ICompletionEngine, IProgressSource
    {
        private long _progress;

        public bool Stuck { get; init; }

        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Cancelled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public long Progress => Interlocked.Read(ref _progress);

        public string ModelName => "endless";

        public FimLayout Fim => FimLayout.PrefixOnly;

        public int ContextSize => 4096;

        public Task<IReadOnlyList<int>> CountTokensAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<int>>([.. texts.Select(t => t.Length)]);

        public Task RememberAsync(CompletionRequest request, string text, CancellationToken cancellationToken) => Task.CompletedTask;

        public async Task<CompletionResult> CompleteAsync(CompletionRequest request, Action<string>? onText, CancellationToken cancellationToken)
        {
            Started.TrySetResult();
            var text = new StringBuilder();
            try
            {
                while (true)
                {
                    await Task.Delay(5, cancellationToken);
                    if (!Stuck)
                    {
                        Interlocked.Increment(ref _progress);
                        text.Append(" word");
                        onText?.Invoke(text.ToString());
                    }
                }
            }
            catch (OperationCanceledException)
            {
                Cancelled.TrySetResult();
                throw;
            }
        }

        public void Dispose()
        {
        }
    }
}
