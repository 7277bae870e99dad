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
/// </summary>
public sealed class LlamaServerEngine : ModelServerEngine
{
    private volatile bool _infill = true;

    internal LlamaServerEngine(BackendOptions backend, EngineOptions engine, string? apiKey, BackendLimits limits, ServerLog log)
        : base("llama-server", backend, engine, apiKey, limits, log)
    {
    }

    /// <summary>Whether completions still go to /infill (false after the server said it cannot).</summary>
    public bool UsesInfill => _infill;

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
                return await StreamAsync("/infill", InfillBody(request, prompt), StreamFormat.ServerSentEvents, Chunks.LlamaServer, CompletionRules(request, FimTextTemplates.None), prompt.Chars, onText, clock, cancellationToken).ConfigureAwait(false);
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

    private JsonObject InfillBody(CompletionRequest request, FittedPrompt prompt)
    {
        var body = Sampling(request);
        body["input_prefix"] = prompt.Prefix;
        body["input_suffix"] = prompt.Suffix;
        body["input_extra"] = prompt.Context.Length == 0
            ? new JsonArray()
            : new JsonArray(new JsonObject { ["filename"] = "context", ["text"] = prompt.Context });
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
