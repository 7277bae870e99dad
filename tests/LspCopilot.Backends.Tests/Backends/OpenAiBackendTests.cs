using LspCopilot.Backends.Tests.StandIns;
using LspCopilot.Completion;

namespace LspCopilot.Backends.Tests.Backends;

/// <summary>The openai backend against a stand-in that answers as vLLM documents.</summary>
public sealed class OpenAiBackendTests
{
    [Fact]
    public async Task Complete_QwenModel_RendersQwenFimPromptAndNeverSendsSuffix()
    {
        await using var server = await OpenAiStandIn.StartAsync();
        using var engine = TestBackends.Create(BackendOptions.OpenAi, server.Url);
        var seen = new List<string>();

        var result = await engine.CompleteAsync(TestBackends.Request(prefix: "int x = ", suffix: ";\n", context: "// int Y;\n"), seen.Add, TestContext.Current.CancellationToken).NoHang();

        Assert.Equal(server.Script.Text, result.Text);
        Assert.Equal(3, seen.Count);
        var body = Assert.Single(server.Completions);
        Assert.False(body.TryGetProperty("suffix", out _));
        Assert.Equal("<|fim_prefix|>// int Y;\nint x = <|fim_suffix|>;\n<|fim_middle|>", body.GetProperty("prompt").GetString());
        Assert.Equal(server.Model, body.GetProperty("model").GetString());
        Assert.True(body.GetProperty("stream").GetBoolean());
        Assert.Equal(128, body.GetProperty("max_tokens").GetInt32());
        Assert.Equal(32768, engine.ContextSize);
    }

    [Fact]
    public async Task Complete_FimTemplateOption_WinsOverTheModelsName()
    {
        await using var server = await OpenAiStandIn.StartAsync();
        using var engine = TestBackends.Create(BackendOptions.OpenAi, server.Url, backend: b => b with { FimTemplate = "codestral" });

        await engine.CompleteAsync(TestBackends.Request(prefix: "a", suffix: "b"), null, TestContext.Current.CancellationToken).NoHang();

        Assert.Equal("[SUFFIX]b[PREFIX]a", Assert.Single(server.Completions).GetProperty("prompt").GetString());
    }

    [Fact]
    public async Task Complete_UnknownModelName_PromptWithoutSuffixAndSaysWhichOptionHelps()
    {
        await using var server = await OpenAiStandIn.StartAsync();
        server.Model = "my-company/internal-model";
        var (log, lines) = TestBackends.Recording();
        using var engine = TestBackends.Create(BackendOptions.OpenAi, server.Url, log: log);

        await engine.CompleteAsync(TestBackends.Request(prefix: "int x = ", suffix: ";\n"), null, TestContext.Current.CancellationToken).NoHang();

        Assert.Equal("int x = ", Assert.Single(server.Completions).GetProperty("prompt").GetString());
        Assert.Contains("--fim-template", lines.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Complete_ServerRejectsSuffix400_StillCompletes()
    {
        await using var server = await OpenAiStandIn.StartAsync();
        using var engine = TestBackends.Create(BackendOptions.OpenAi, server.Url);

        var result = await engine.CompleteAsync(TestBackends.Request(mode: CompletionMode.MultiLine), null, TestContext.Current.CancellationToken).NoHang();

        Assert.Equal(server.Script.Text, result.Text);
    }

    [Fact]
    public async Task Complete_WithoutKey401_SaysHowToGiveTheKey()
    {
        await using var server = await OpenAiStandIn.StartAsync();
        server.Key = "sk-test";
        using var engine = TestBackends.Create(BackendOptions.OpenAi, server.Url);

        var error = await Assert.ThrowsAsync<ModelLoadException>(() => engine.CompleteAsync(TestBackends.Request(), null, TestContext.Current.CancellationToken).NoHang());

        Assert.Contains("401", error.Message, StringComparison.Ordinal);
        Assert.Contains("Incorrect API key provided.", error.Message, StringComparison.Ordinal);
        Assert.Contains("--api-key-file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Complete_ApiKeyFile_SentAsBearerOnEveryRequest()
    {
        await using var server = await OpenAiStandIn.StartAsync();
        server.Key = "sk-test";
        using var folder = new LspCopilot.TestSupport.TempFolder();
        var keyFile = Path.Combine(folder.Path, "key");
        await File.WriteAllTextAsync(keyFile, "sk-test\n", TestContext.Current.CancellationToken);
        using var engine = TestBackends.Create(BackendOptions.OpenAi, server.Url, backend: b => b with { ApiKeyFile = keyFile });

        var result = await engine.CompleteAsync(TestBackends.Request(), null, TestContext.Current.CancellationToken).NoHang();

        Assert.Equal(server.Script.Text, result.Text);
        Assert.All(server.Server.Requests, r => Assert.Equal("Bearer sk-test", r.Authorization));
    }

    [Fact]
    public void Create_MissingApiKeyFile_ClearMessage()
    {
        var error = Assert.Throws<ModelLoadException>(() => TestBackends.Create(BackendOptions.OpenAi, "http://127.0.0.1:9", backend: b => b with { ApiKeyFile = "/nonexistent/key" }));

        Assert.Contains("--api-key-file '/nonexistent/key' is missing", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Complete_RemoteModelNotListed_NamesItAndWhatTheServerServes()
    {
        await using var server = await OpenAiStandIn.StartAsync();
        using var engine = TestBackends.Create(BackendOptions.OpenAi, server.Url, backend: b => b with { RemoteModel = "gpt-5-codex" });

        var error = await Assert.ThrowsAsync<ModelLoadException>(() => engine.CompleteAsync(TestBackends.Request(), null, TestContext.Current.CancellationToken).NoHang());

        Assert.Contains("'gpt-5-codex'", error.Message, StringComparison.Ordinal);
        Assert.Contains(server.Model, error.Message, StringComparison.Ordinal);
        Assert.Contains("--remote-model", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Complete_UnknownModel404_NamesTheModel()
    {
        await using var server = await OpenAiStandIn.StartAsync();
        server.NoModelList = true;
        using var engine = TestBackends.Create(BackendOptions.OpenAi, server.Url, backend: b => b with { RemoteModel = "qwen-coder-typo" });

        var error = await Assert.ThrowsAsync<ModelLoadException>(() => engine.CompleteAsync(TestBackends.Request(), null, TestContext.Current.CancellationToken).NoHang());

        Assert.Contains("does not know the model 'qwen-coder-typo'", error.Message, StringComparison.Ordinal);
        Assert.Contains("404", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Complete_EndpointWithV1_SameRequests()
    {
        await using var server = await OpenAiStandIn.StartAsync();
        using var engine = TestBackends.Create(BackendOptions.OpenAi, server.Url + "/v1");

        var result = await engine.CompleteAsync(TestBackends.Request(), null, TestContext.Current.CancellationToken).NoHang();

        Assert.Equal(server.Script.Text, result.Text);
        Assert.Single(server.Server.To("/v1/completions"));
    }

    [Fact]
    public async Task Complete_SingleLine_CutsAtTheNewlineAndAsksTheServerToStopThere()
    {
        await using var server = await OpenAiStandIn.StartAsync();
        server.Script.Pieces = ["return x", ";\n", "}\n"];
        using var engine = TestBackends.Create(BackendOptions.OpenAi, server.Url);

        var result = await engine.CompleteAsync(TestBackends.Request(), null, TestContext.Current.CancellationToken).NoHang();

        Assert.Equal("return x;", result.Text);
        Assert.Equal(StopReason.EndOfLine, result.Reason);
        Assert.Equal("\n", Assert.Single(Assert.Single(server.Completions).GetProperty("stop").EnumerateArray()).GetString());
    }

    [Fact]
    public async Task Complete_ModelWritesAFimMarker_SuggestionEndsThere()
    {
        await using var server = await OpenAiStandIn.StartAsync();
        server.Script.Pieces = ["x + 1", "<|fim_suffix|>", "garbage"];
        using var engine = TestBackends.Create(BackendOptions.OpenAi, server.Url);

        var result = await engine.CompleteAsync(TestBackends.Request(mode: CompletionMode.MultiLine), null, TestContext.Current.CancellationToken).NoHang();

        Assert.Equal("x + 1", result.Text);
    }

    [Fact]
    public async Task Complete_StopperDecides_SuggestionEndsWhereItSays()
    {
        await using var server = await OpenAiStandIn.StartAsync();
        server.Script.Pieces = ["a();", " b();", " c();"];
        using var engine = TestBackends.Create(BackendOptions.OpenAi, server.Url);
        var request = TestBackends.Request(mode: CompletionMode.MultiLine) with { Stopper = new StopAfter("b();") };

        var result = await engine.CompleteAsync(request, null, TestContext.Current.CancellationToken).NoHang();

        Assert.Equal("a(); b();", result.Text);
        Assert.Equal(StopReason.Stopper, result.Reason);
    }

    private sealed class StopAfter(string marker) : ICompletionStopper
    {
        public int? FindStop(string generated) => generated.IndexOf(marker, StringComparison.Ordinal) is >= 0 and var at ? at + marker.Length : null;
    }
}
