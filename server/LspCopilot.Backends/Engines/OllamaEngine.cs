using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using LspCopilot.Backends.Http;
using LspCopilot.Backends.Prompting;
using LspCopilot.Backends.Streaming;
using LspCopilot.Completion;
using LspCopilot.Completion.Chat;

namespace LspCopilot.Backends.Engines;

/// <summary>
/// Ollama. Completions go to <c>POST /api/generate</c>, streamed as NDJSON: with <c>suffix</c> when <c>/api/show</c> lists
/// the model's <c>insert</c> capability (Ollama lays out the FIM prompt with the model's template), else with
/// <c>raw: true</c> and the prompt rendered by us. <c>keep_alive</c> keeps the model loaded between bursts of typing.
/// Discovery: <c>GET /api/tags</c> (the first model when none is named), <c>POST /api/show</c> (capabilities,
/// <c>num_ctx</c>). Ollama has no tokenizer endpoint: tokens are estimated. Chats go to <c>/api/chat</c>.
/// </summary>
public sealed partial class OllamaEngine : ModelServerEngine
{
    /// <summary>The context Ollama gives a model whose Modelfile sets no num_ctx (2048 before Ollama 0.6; more since).</summary>
    internal const int DefaultNumCtx = 2048;

    internal OllamaEngine(BackendOptions backend, EngineOptions engine, string? apiKey, BackendLimits limits, ServerLog log)
        : base("Ollama", backend, engine, apiKey, limits, log)
    {
    }

    private protected override string FimName => KnownFacts?.Insert == true ? "ollama insert (the model's template)" : base.FimName;

    private protected override bool SendsSuffix(ServerFacts facts) => facts.Insert || facts.Template.HasFim;

    private protected override async Task<ServerFacts> DiscoverAsync(CancellationToken cancellationToken)
    {
        var name = Backend.RemoteModel;
        if (name is null)
        {
            using var tags = JsonDocument.Parse(await Http.ReadAsync(HttpMethod.Get, "/api/tags", null, cancellationToken).ConfigureAwait(false));
            name = JsonFields.Array(tags.RootElement, "models")?.EnumerateArray().Select(m => JsonFields.String(m, "name")).FirstOrDefault(n => n is not null)
                ?? throw new BackendException($"The {Http.Server} has no models: pull one (e.g. ollama pull qwen2.5-coder:1.5b-base) or name one with --remote-model.", BackendFault.NotFound);
        }

        Http.Model = name;
        using var show = JsonDocument.Parse(await Http.ReadAsync(HttpMethod.Post, "/api/show", new JsonObject { ["model"] = name }, cancellationToken).ConfigureAwait(false));
        var root = show.RootElement;
        var insert = JsonFields.Array(root, "capabilities")?.EnumerateArray().Any(c => c.ValueKind == JsonValueKind.String && c.GetString() == "insert") == true;
        var numCtx = JsonFields.String(root, "parameters") is { } parameters && NumCtx().Match(parameters) is { Success: true } match
            ? int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture)
            : (int?)null;
        var family = JsonFields.Object(root, "details") is { } details ? JsonFields.String(details, "family") : null;
        return new ServerFacts(name, ContextFrom(numCtx, DefaultNumCtx), insert && Configured is null ? FimTextTemplates.None : TemplateFor(name, family))
        {
            Insert = insert && Configured is null,
            ChatLayout = "chat template (ollama)",
        };
    }

    private protected override Task<CompletionResult> GenerateAsync(CompletionRequest request, ServerFacts facts, FittedPrompt prompt, Action<string>? onText, Stopwatch clock, CancellationToken cancellationToken)
    {
        var body = new JsonObject
        {
            ["model"] = facts.ModelName,
            ["stream"] = true,
            ["keep_alive"] = Limits.OllamaKeepAlive,
            ["options"] = Options(request.Generation, request.Mode == CompletionMode.SingleLine ? Stops(request) : null),
        };
        string sent;
        if (facts.Insert)
        {
            sent = prompt.Context + prompt.Prefix;
            body["prompt"] = sent;
            body["suffix"] = prompt.Suffix;
        }
        else
        {
            sent = facts.Template.Render(prompt.Context, prompt.Prefix, prompt.Suffix);
            body["prompt"] = sent;
            body["raw"] = true;
        }

        return StreamAsync("/api/generate", body, StreamFormat.NdJson, Chunks.OllamaGenerate, CompletionRules(request, facts.Template), sent.Length + prompt.Suffix.Length, onText, clock, cancellationToken);
    }

    private protected override async Task<ChatResult> ChatCoreAsync(ChatRequest request, ServerFacts facts, Action<string>? onText, Stopwatch clock, CancellationToken cancellationToken)
    {
        var body = new JsonObject
        {
            ["model"] = facts.ModelName,
            ["messages"] = ChatStream.Messages(request.Messages),
            ["stream"] = true,
            ["keep_alive"] = Limits.OllamaKeepAlive,
            ["options"] = Options(request.Generation, null),
        };
        return ChatResultOf(await ChatStream.ReadAsync(Http, "/api/chat", body, StreamFormat.NdJson, Chunks.OllamaChat, ChatRules(request), clock, onText, cancellationToken).ConfigureAwait(false));
    }

    private static JsonObject Options(GenerationOptions generation, JsonArray? stop)
    {
        var options = new JsonObject
        {
            ["num_predict"] = generation.MaxTokens,
            ["temperature"] = generation.Temperature,
            ["seed"] = generation.Seed,
        };
        if (stop is not null)
        {
            options["stop"] = stop;
        }

        return options;
    }

    [GeneratedRegex(@"(?m)^\s*num_ctx\s+(\d{1,9})\s*$")]
    private static partial Regex NumCtx();
}
