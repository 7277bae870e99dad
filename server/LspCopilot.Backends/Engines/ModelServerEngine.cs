using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using LspCopilot.Backends.Http;
using LspCopilot.Backends.Prompting;
using LspCopilot.Backends.Streaming;
using LspCopilot.Completion;
using LspCopilot.Completion.Chat;

namespace LspCopilot.Backends.Engines;

/// <summary>
/// A model someone else serves, reached over HTTP: what every backend shares. Discovery (the model's name, the
/// server's context, whether it counts tokens) runs once, off the first request's cancellation, and again after a
/// failure. Each completion fits the prompt to that context, streams the answer into <c>onText</c>, and ends when the
/// server ends, when our rules end it (single line, stopper, FIM marker, length, time) or when the request is
/// cancelled — which disposes the response and so aborts the HTTP request. Every failure reaches the caller as a
/// <see cref="ModelLoadException"/> whose message names the server and the fix: the server answers an empty list and
/// shows the message once.
/// </summary>
public abstract class ModelServerEngine : ICompletionEngine, IChatEngine, IProgressSource
{
    private readonly object _lock = new();
    private readonly PromptWindow _window = new();
    private readonly ClientTurns _turns = new();
    private Task<ServerFacts>? _discovering;
    private volatile ServerFacts? _facts;
    private string? _lastWarning;

    private protected ModelServerEngine(string serverName, BackendOptions backend, EngineOptions engine, string? apiKey, BackendLimits limits, ServerLog log)
    {
        Backend = backend;
        Log = log;
        ContextCap = engine.ContextSize is uint cap and > 0 ? (int)Math.Min(cap, int.MaxValue) : null;
        Http = new BackendHttp(EndpointOf(backend), apiKey, limits, serverName);
        Http.Breaker.Changed += (open, reason) =>
        {
            if (open)
            {
                log.Warning($"{reason} Suggestions are off until it answers; retrying with backoff.");
            }
            else
            {
                log.Info($"The {Http.Server} answers again.");
            }
        };
    }

    public BackendOptions Backend { get; }

    /// <summary>The base URL requests go to.</summary>
    public string Endpoint => Http.Endpoint;

    private protected BackendHttp Http { get; }

    private protected ServerLog Log { get; }

    private protected BackendLimits Limits => Http.Limits;

    /// <summary>--context-size: the most context used even when the server offers more, and the context assumed when it says nothing.</summary>
    private protected int? ContextCap { get; }

    /// <summary>What discovery learned, once it has.</summary>
    private protected ServerFacts? KnownFacts => _facts;

    public string ModelName => _facts?.ModelName ?? Backend.RemoteModel ?? Http.Server;

    public FimLayout Fim => new(FimName, (_facts?.Template ?? Configured ?? FimTextTemplates.None).Order, null, null, null);

    public int ContextSize => _facts?.ContextSize ?? ContextCap ?? Limits.DefaultContext;

    public long Progress => Http.Progress;

    public string? ChatLayout => _facts?.ChatLayout ?? "server chat template";

    /// <summary>The template given with --fim-template, if any.</summary>
    private protected FimTextTemplate? Configured => FimTextTemplates.Find(Backend.FimTemplate);

    /// <summary>How FIM prompts are made, as logs and status name it.</summary>
    private protected virtual string FimName => (_facts?.Template ?? Configured ?? FimTextTemplates.None).Name;

    /// <summary>Whether the suffix goes to the server (rendered by us or by the server); false for prefix-only prompts.</summary>
    private protected virtual bool SendsSuffix(ServerFacts facts) => facts.Template.HasFim;

    /// <summary>Learns what <see cref="ServerFacts"/> holds; throws <see cref="BackendException"/> when the server cannot be used.</summary>
    private protected abstract Task<ServerFacts> DiscoverAsync(CancellationToken cancellationToken);

    /// <summary>Streams one completion of <paramref name="prompt"/>.</summary>
    private protected abstract Task<CompletionResult> GenerateAsync(CompletionRequest request, ServerFacts facts, FittedPrompt prompt, Action<string>? onText, Stopwatch clock, CancellationToken cancellationToken);

    /// <summary>Streams one chat reply.</summary>
    private protected abstract Task<ChatResult> ChatCoreAsync(ChatRequest request, ServerFacts facts, Action<string>? onText, Stopwatch clock, CancellationToken cancellationToken);

    /// <summary>Starts discovery now (a failure is retried by the first request).</summary>
    public async Task<bool> WarmUpAsync(TimeSpan wait)
    {
        try
        {
            await FactsAsync(CancellationToken.None).WaitAsync(wait).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            Log.Info($"The {Http.Server} has not described its model within {wait.TotalSeconds:0} s; the first completion waits for it.");
            return false;
        }
        catch (Exception ex) when (Stray(ex, CancellationToken.None) is { } failure)
        {
            _ = Unavailable(failure);
            return false;
        }
    }

    /// <summary>The server's facts: known, being learned (shared by every caller; cancelling one wait does not stop it), or learned now.</summary>
    private protected async Task<ServerFacts> FactsAsync(CancellationToken cancellationToken)
    {
        if (_facts is { } known)
        {
            return known;
        }

        Task<ServerFacts> discovering;
        lock (_lock)
        {
            discovering = _discovering ??= Task.Run(DiscoverOnceAsync, CancellationToken.None);
        }

        try
        {
            return await discovering.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch when (discovering.IsFaulted)
        {
            // Failed discovery is not kept: the next request asks the server again (the breaker keeps that cheap).
            lock (_lock)
            {
                if (ReferenceEquals(_discovering, discovering))
                {
                    _discovering = null;
                }
            }

            throw;
        }
    }

    private async Task<ServerFacts> DiscoverOnceAsync()
    {
        using var limit = new CancellationTokenSource(Limits.Discovery * 3);
        ServerFacts facts;
        try
        {
            facts = await DiscoverAsync(limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex)
        {
            throw new BackendException($"The {Http.Server} did not describe its model within {(Limits.Discovery * 3).TotalSeconds:0} s.", BackendFault.Silent, ex);
        }
        catch (JsonException ex)
        {
            throw new BackendException($"The {Http.Server} described its model in malformed JSON ({ex.Message}); is it a {Backend.Kind} server? Check --backend and --endpoint.", BackendFault.Protocol, ex);
        }

        _facts = facts;
        Http.Model = facts.ModelName;
        Log.Info($"Using the {Http.Server}: model {facts.ModelName}, context {facts.ContextSize} tokens, FIM {FimName}, tokens counted {(facts.CanTokenize ? "by the server" : "by estimate")}.");
        return facts;
    }

    /// <summary>
    /// Counts with the server's tokenizer when it offers one (the whole batch in one call), else estimates with the
    /// characters-per-token ratio measured on this server (3 until measured). Budgeting never fails a keystroke: a
    /// server that cannot count now gets estimates.
    /// </summary>
    public async Task<IReadOnlyList<int>> CountTokensAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken)
    {
        if (texts.Count == 0)
        {
            return [];
        }

        if (_facts is { CanTokenize: true } && !Http.Breaker.IsOpen)
        {
            try
            {
                var counts = await ServerTokenizer.CountAsync(Http, texts, cancellationToken).ConfigureAwait(false);
                _window.Learn(texts.Sum(t => t.Length), counts.Sum());
                return counts;
            }
            catch (Exception ex) when (ex is BackendException or JsonException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                Log.Debug($"The {Http.Server} could not count tokens ({ex.Message}); estimating.");
            }
        }

        var ratio = _window.CharsPerToken;
        return [.. texts.Select(t => (int)Math.Ceiling(t.Length / ratio))];
    }

    public async Task<CompletionResult> CompleteAsync(CompletionRequest request, Action<string>? onText, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var clock = Stopwatch.StartNew();
        try
        {
            var facts = await FactsAsync(cancellationToken).ConfigureAwait(false);
            var prompt = await FitAsync(request, facts, 1.0, cancellationToken).ConfigureAwait(false);
            using var turn = await _turns.BeginAsync(request.ClientId, cancellationToken).ConfigureAwait(false);
            try
            {
                return Succeeded(await GenerateAsync(request, facts, prompt, onText, clock, cancellationToken).ConfigureAwait(false));
            }
            catch (BackendException ex) when (ex.Fault == BackendFault.ContextExceeded)
            {
                // Our estimate was off (a dense text, a template with many tokens): once more, with half the room.
                Log.Debug($"{ex.Message} Retrying with a shorter prompt.");
                _window.Learn(prompt.Chars, (int)(_window.Estimate(prompt) * 1.5));
                prompt = await FitAsync(request, facts, 0.5, cancellationToken).ConfigureAwait(false);
                return Succeeded(await GenerateAsync(request, facts, prompt, onText, clock, cancellationToken).ConfigureAwait(false));
            }
        }
        catch (Exception ex) when (Stray(ex, cancellationToken) is { } failure)
        {
            throw Unavailable(failure);
        }
    }

    public async Task<ChatResult> ChatAsync(ChatRequest request, Action<string>? onText, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var clock = Stopwatch.StartNew();
        try
        {
            var facts = await FactsAsync(cancellationToken).ConfigureAwait(false);
            var result = await ChatCoreAsync(request, facts, onText, clock, cancellationToken).ConfigureAwait(false);
            _lastWarning = null;
            return result;
        }
        catch (Exception ex) when (Stray(ex, cancellationToken) is { } failure)
        {
            throw Unavailable(failure);
        }
    }

    /// <summary>
    /// A failure as the user should hear it: ours as they are; a limit of ours that fired (not the caller's
    /// cancellation) as silence; malformed JSON as a protocol fault. Null for the caller's own cancellation.
    /// </summary>
    private BackendException? Stray(Exception ex, CancellationToken cancellationToken) => ex switch
    {
        BackendException backend => backend,
        OperationCanceledException when !cancellationToken.IsCancellationRequested =>
            new BackendException($"The {Http.Server} did not answer in time.", BackendFault.Silent, ex),
        JsonException => new BackendException($"The {Http.Server} sent malformed JSON ({ex.Message}).", BackendFault.Protocol, ex),
        _ => null,
    };

    /// <summary>The server keeps (or drops) its own prompt cache; there is nothing of ours to forget.</summary>
    public Task EndConversationAsync(string conversationId, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>No result cache stands in front of a model server.</summary>
    public Task RememberAsync(CompletionRequest request, string text, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// The request's texts cut to the server's context. The estimate decides alone while it is well inside the room;
    /// near the limit, a server that counts tokens counts the three texts (one call) and the cut is made again with the
    /// measured ratio, at most twice. A server that still finds it too long says so and the request is retried shorter.
    /// </summary>
    private async Task<FittedPrompt> FitAsync(CompletionRequest request, ServerFacts facts, double shrink, CancellationToken cancellationToken)
    {
        var withSuffix = SendsSuffix(facts);
        var prompt = _window.Fit(request, facts.ContextSize, withSuffix, shrink);
        var room = PromptWindow.Available(request.Generation, facts.ContextSize) * shrink;
        for (var round = 0; facts.CanTokenize && round < 2 && _window.Estimate(prompt) > room * 0.75; round++)
        {
            IReadOnlyList<int> counts;
            try
            {
                counts = await ServerTokenizer.CountAsync(Http, [prompt.Context, prompt.Prefix, prompt.Suffix], cancellationToken).ConfigureAwait(false);
            }
            catch (BackendException ex) when (!ex.MeansDead)
            {
                break;
            }

            var tokens = counts.Sum();
            _window.Learn(prompt.Chars, tokens);
            if (tokens + PromptWindow.MarkerTokens <= room)
            {
                break;
            }

            prompt = _window.Fit(request, facts.ContextSize, withSuffix, shrink * Math.Min(0.95, room / (tokens + PromptWindow.MarkerTokens)));
        }

        return prompt;
    }

    /// <summary>Streams a generation and learns the characters-per-token ratio from the prompt tokens the server reports.</summary>
    private protected async Task<CompletionResult> StreamAsync(string path, JsonObject body, StreamFormat format, ChunkReader chunks, GenerationRules rules, int promptChars, Action<string>? onText, Stopwatch clock, CancellationToken cancellationToken)
    {
        using var response = await Http.SendAsync(HttpMethod.Post, path, body, quick: false, cancellationToken).ConfigureAwait(false);
        var generated = await StreamedGeneration.ReadAsync(response, format, chunks, rules, Http, clock, onText, cancellationToken).ConfigureAwait(false);
        if (generated.PromptTokens is int promptTokens)
        {
            _window.Learn(promptChars, promptTokens);
        }

        return new CompletionResult(generated.Text, generated.Reason, new CompletionStats(generated.PromptTokens ?? 0, generated.CachedTokens ?? 0, generated.Chunks, generated.FirstText, generated.Total));
    }

    /// <summary>A chat through an OpenAI-compatible <c>/v1/chat/completions</c> (llama-server, vLLM, …).</summary>
    private protected async Task<ChatResult> OpenAiChatAsync(string path, string? model, ChatRequest request, Action<string>? onText, Stopwatch clock, CancellationToken cancellationToken) =>
        ChatResultOf(await ChatStream.ReadAsync(Http, path, ChatStream.OpenAiBody(model, request), StreamFormat.ServerSentEvents, Chunks.OpenAiChat, ChatRules(request), clock, onText, cancellationToken).ConfigureAwait(false));

    private protected GenerationRules CompletionRules(CompletionRequest request, FimTextTemplate template) =>
        new(Limits.Generation, Math.Max(1024, request.Generation.MaxTokens * 32))
        {
            Mode = request.Mode,
            Stopper = request.Stopper,
            CutAt = [.. template.Markers],
        };

    private protected GenerationRules ChatRules(ChatRequest request) => new(Limits.Generation * 3, Math.Max(4096, request.Generation.MaxTokens * 32));

    private protected ChatResult ChatResultOf(Generated generated) =>
        new(generated.Text, generated.Reason, new CompletionStats(generated.PromptTokens ?? 0, 0, generated.Chunks, generated.FirstText, generated.Total)) { Layout = ChatLayout ?? string.Empty };

    /// <summary>The stop strings a request asks the server for: the end of the line in single-line mode.</summary>
    private protected static JsonArray Stops(CompletionRequest request) => request.Mode == CompletionMode.SingleLine ? ["\n"] : [];

    /// <summary>The context size to use: the server's, within --context-size.</summary>
    private protected int ContextFrom(int? server, int fallback) => server is int n and > 0
        ? ContextCap is int cap ? Math.Min(n, cap) : n
        : ContextCap ?? fallback;

    /// <summary>The chosen template: --fim-template, else the one the model's name suggests, else none (said once).</summary>
    private protected FimTextTemplate TemplateFor(string modelName, params string?[] hints)
    {
        if (Configured is { } configured)
        {
            return configured;
        }

        foreach (var name in hints.Prepend(modelName))
        {
            if (FimTextTemplates.Detect(name) is { } detected)
            {
                return detected;
            }
        }

        Log.Info($"The FIM template of '{modelName}' cannot be told from its name: prompts go without the suffix. Pass --fim-template ({string.Join(", ", FimTextTemplates.Names)}) if the model was trained with one.");
        return FimTextTemplates.None;
    }

    private CompletionResult Succeeded(CompletionResult result)
    {
        _lastWarning = null;
        return result;
    }

    /// <summary>The user-facing failure; logged once per distinct message, not once per keystroke (the breaker logs its own opening).</summary>
    private ModelLoadException Unavailable(BackendException ex)
    {
        if (!ex.FromBreaker && !string.Equals(Interlocked.Exchange(ref _lastWarning, ex.Message), ex.Message, StringComparison.Ordinal))
        {
            Log.Warning(ex.Message);
        }

        return new ModelLoadException(ex.Message, ex);
    }

    private static string EndpointOf(BackendOptions backend)
    {
        var endpoint = backend.EffectiveEndpoint;

        // OpenAI clients take a base URL ending in /v1; our paths carry it.
        return backend.Kind == BackendOptions.OpenAi && endpoint.EndsWith("/v1", StringComparison.OrdinalIgnoreCase) ? endpoint[..^3] : endpoint;
    }

    public void Dispose()
    {
        Http.Dispose();
        GC.SuppressFinalize(this);
    }
}
