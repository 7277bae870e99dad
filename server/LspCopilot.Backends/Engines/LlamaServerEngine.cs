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
/// llama.cpp's <c>llama-server</c>. Completions go to <c>POST /infill</c>: the server lays out the FIM prompt with the
/// model's own control tokens, our context travels as <c>input_extra</c> chunks, <c>cache_prompt</c> keeps the common
/// prefix in its KV cache, <c>t_max_predict_ms</c> bounds the time. A model without FIM tokens answers 501: from then on
/// requests go to <c>POST /completion</c> with the prompt rendered by us (said once in the log). Discovery:
/// <c>GET /health</c> (503 while the model loads), <c>GET /props</c> (context per slot, model file, chat template).
/// Tokens are counted with <c>/tokenize</c>; chats go to <c>/v1/chat/completions</c>.
/// <para>
/// The typed part of the cursor's line goes as <c>prompt</c> (after the FIM middle marker), so the server's cached
/// prefix and suffix stay the same while the user types along a line. When the context sections change, a warm-up
/// (<c>n_predict: 0</c>, context only) reads them into a slot first — a request the next keystroke does not cancel — and
/// the completion is pinned to that slot (<c>id_slot</c>), so a context is read once even when the user types on.
/// </para>
/// </summary>
public sealed class LlamaServerEngine : ModelServerEngine
{
    private readonly object _warmLock = new();
    private volatile bool _infill = true;
    private Warm? _warm;
    private int _warmUps;

    internal LlamaServerEngine(BackendOptions backend, EngineOptions engine, string? apiKey, BackendLimits limits, ServerLog log)
        : base("llama-server", backend, engine, apiKey, limits, log)
    {
    }

    /// <summary>Whether completions still go to /infill (false after the server said it cannot).</summary>
    public bool UsesInfill => _infill;

    /// <summary>How many warm-up requests have been sent (one per change of the context sections).</summary>
    public int WarmUps => Volatile.Read(ref _warmUps);

    private protected override string FimName => _infill ? "llama-server /infill" : base.FimName;

    private protected override bool SendsSuffix(ServerFacts facts) => _infill || facts.Template.HasFim;

    private protected override async Task<ServerFacts> DiscoverAsync(CancellationToken cancellationToken)
    {
        await Http.ReadAsync(HttpMethod.Get, "/health", null, cancellationToken).ConfigureAwait(false);
        using var props = JsonDocument.Parse(await Http.ReadAsync(HttpMethod.Get, "/props", null, cancellationToken).ConfigureAwait(false));
        var root = props.RootElement;
        var slotContext = JsonFields.Object(root, "default_generation_settings") is { } settings && JsonFields.Int(settings, "n_ctx") is int n ? n : JsonFields.Int(root, "n_ctx");
        var file = JsonFields.String(root, "model_path") ?? JsonFields.String(root, "model_alias");
        var name = Backend.RemoteModel ?? (file is null ? "llama-server model" : Path.GetFileName(file));
        var chat = JsonFields.String(root, "chat_template") is { Length: > 0 } ? "chat template (llama-server)" : "server chat template";
        return new ServerFacts(name, ContextFrom(slotContext, Limits.DefaultContext), TemplateFor(name, file))
        {
            CanTokenize = true,
            ChatLayout = chat,
        };
    }

    private protected override async Task<CompletionResult> GenerateAsync(CompletionRequest request, ServerFacts facts, FittedPrompt prompt, Action<string>? onText, Stopwatch clock, CancellationToken cancellationToken)
    {
        if (_infill)
        {
            try
            {
                var slot = Backend.Slot;
                if (prompt.Context.Length > 0)
                {
                    var warmed = await WarmedAsync(prompt.Context).WaitAsync(cancellationToken).ConfigureAwait(false);
                    slot ??= warmed;
                }

                var infill = InfillBody(request, prompt);
                if (slot is int id)
                {
                    infill["id_slot"] = id;
                }

                return await StreamAsync("/infill", infill, StreamFormat.ServerSentEvents, Chunks.LlamaServer, CompletionRules(request, FimTextTemplates.None), prompt.Chars, onText, clock, cancellationToken).ConfigureAwait(false);
            }
            catch (BackendException ex) when (ex.Fault == BackendFault.NotSupported)
            {
                _infill = false;
                Log.Info($"{ex.Message} Using /completion with the prompt rendered by LspCopilot ({facts.Template.Name} template{(facts.Template.HasFim ? string.Empty : ": prefix only; pass --fim-template if the model has FIM markers")}).");
                prompt = prompt with { Suffix = facts.Template.HasFim ? prompt.Suffix : string.Empty };
            }
        }

        var text = facts.Template.Render(prompt.Context, prompt.Prefix, prompt.Suffix);
        var body = Sampling(request);
        body["prompt"] = text;
        return await StreamAsync("/completion", body, StreamFormat.ServerSentEvents, Chunks.LlamaServer, CompletionRules(request, facts.Template), text.Length, onText, clock, cancellationToken).ConfigureAwait(false);
    }

    private protected override Task<ChatResult> ChatCoreAsync(ChatRequest request, ServerFacts facts, Action<string>? onText, Stopwatch clock, CancellationToken cancellationToken) =>
        OpenAiChatAsync("/v1/chat/completions", Backend.RemoteModel, request, onText, clock, cancellationToken);

    /// <summary>
    /// The warm-up of <paramref name="context"/>: started when the context differs from the last one warmed, shared by
    /// every request with that context until it changes again. Its answer is the slot that holds the context (null when
    /// the warm-up failed: the completion then goes wherever the server puts it).
    /// </summary>
    private Task<int?> WarmedAsync(string context)
    {
        lock (_warmLock)
        {
            if (_warm is { } warm && string.Equals(warm.Context, context, StringComparison.Ordinal))
            {
                return warm.Slot;
            }

            // One warm-up at a time: a newer context waits for the one being read (the server would queue it anyway).
            var previous = _warm?.Slot ?? Task.FromResult<int?>(null);
            var slot = Task.Run(
                async () =>
                {
                    await previous.ConfigureAwait(false);
                    return await WarmUpAsync(context).ConfigureAwait(false);
                },
                CancellationToken.None);
            _warm = new Warm(context, slot);
            return slot;
        }
    }

    /// <summary>
    /// Reads the context into a slot without generating (<c>n_predict: 0</c>, empty prefix and suffix), as llama.vscode
    /// does when its context chunks change. Not tied to any keystroke: only our time limit stops it.
    /// </summary>
    private async Task<int?> WarmUpAsync(string context)
    {
        Interlocked.Increment(ref _warmUps);
        var body = new JsonObject
        {
            ["input_extra"] = Extra(context),
            ["input_prefix"] = string.Empty,
            ["input_suffix"] = string.Empty,
            ["n_predict"] = 0,
            ["cache_prompt"] = true,
            ["stream"] = false,
            ["t_max_predict_ms"] = 1,
        };
        if (Backend.RemoteModel is { } model)
        {
            body["model"] = model;
        }

        if (Backend.Slot is int pinned)
        {
            body["id_slot"] = pinned;
        }

        try
        {
            using var limit = new CancellationTokenSource(Limits.Generation);
            using var answer = JsonDocument.Parse(await Http.ReadAsync(HttpMethod.Post, "/infill", body, limit.Token, quick: false).ConfigureAwait(false));
            return answer.RootElement.ValueKind == JsonValueKind.Object ? JsonFields.Int(answer.RootElement, "id_slot") : null;
        }
        catch (Exception ex) when (ex is BackendException or JsonException or OperationCanceledException)
        {
            // The completion that follows says what is wrong with the server, if anything; a warm-up only helps.
            Log.Debug($"The warm-up of the context at the {Http.Server} failed: {ex.Message}");
            return null;
        }
    }

    private static JsonArray Extra(string context) => context.Length == 0
        ? []
        : [new JsonObject { ["filename"] = "context", ["text"] = context }];

    private JsonObject InfillBody(CompletionRequest request, FittedPrompt prompt)
    {
        var body = Sampling(request);

        // The typed part of the line goes after the middle marker: prefix and suffix stay cached while the user types along the line.
        var lineStart = prompt.Prefix.LastIndexOf('\n') + 1;
        body["input_prefix"] = prompt.Prefix[..lineStart];
        body["prompt"] = prompt.Prefix[lineStart..];
        body["input_suffix"] = prompt.Suffix;
        body["input_extra"] = Extra(prompt.Context);
        if (request.Mode == CompletionMode.MultiLine && Indent(prompt.Prefix) is > 0 and var indent)
        {
            // Stop at a line indented less than the cursor's: the block the suggestion is written in has closed.
            body["n_indent"] = indent;
        }

        return body;
    }

    /// <summary>What every generation request carries: length, time limit, sampling, prompt cache, streaming.</summary>
    private JsonObject Sampling(CompletionRequest request)
    {
        var body = new JsonObject
        {
            ["n_predict"] = request.Generation.MaxTokens,
            ["t_max_predict_ms"] = (int)Limits.Generation.TotalMilliseconds,
            ["temperature"] = request.Generation.Temperature,
            ["seed"] = request.Generation.Seed,
            ["cache_prompt"] = true,
            ["stream"] = true,
            ["stop"] = Stops(request),
        };
        if (Backend.RemoteModel is { } model)
        {
            body["model"] = model;
        }

        return body;
    }

    private sealed record Warm(string Context, Task<int?> Slot);

    /// <summary>The indentation (spaces and tabs) of the line the cursor is on.</summary>
    internal static int Indent(string prefix)
    {
        var start = prefix.LastIndexOf('\n') + 1;
        var end = start;
        while (end < prefix.Length && prefix[end] is ' ' or '\t')
        {
            end++;
        }

        return end - start;
    }
}
