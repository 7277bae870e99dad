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
/// An OpenAI-compatible server (vLLM, SGLang, LM Studio, llama-server's OpenAI routes, a team's gateway). Completions
/// go to <c>POST /v1/completions</c> with the FIM prompt rendered by us from the model family's template
/// (<c>--fim-template</c>, else guessed from the model's id): <c>suffix</c> is never sent, since vLLM, TGI and llama.cpp
/// reject it. Discovery: <c>GET /v1/models</c> (the model, its context where the server says: vLLM's
/// <c>max_model_len</c>, llama-server's <c>meta.n_ctx</c>…), and whether llama.cpp's <c>/tokenize</c> is offered.
/// Chats go to <c>/v1/chat/completions</c>.
/// </summary>
public sealed class OpenAiEngine : ModelServerEngine
{
    internal OpenAiEngine(BackendOptions backend, EngineOptions engine, string? apiKey, BackendLimits limits, ServerLog log)
        : base("OpenAI-compatible server", backend, engine, apiKey, limits, log)
    {
    }

    private protected override async Task<ServerFacts> DiscoverAsync(CancellationToken cancellationToken)
    {
        string? listed;
        try
        {
            listed = await Http.ReadAsync(HttpMethod.Get, "/v1/models", null, cancellationToken).ConfigureAwait(false);
        }
        catch (BackendException ex) when (ex.Fault == BackendFault.NotFound && Backend.RemoteModel is not null)
        {
            // Some gateways list nothing; a named model is enough to go on.
            listed = null;
        }

        var (name, context) = listed is null ? (Backend.RemoteModel!, null) : Choose(listed);
        var tokenize = await ServerTokenizer.OfferedAsync(Http, cancellationToken).ConfigureAwait(false);
        return new ServerFacts(name, ContextFrom(context, Limits.DefaultContext), TemplateFor(name)) { CanTokenize = tokenize };
    }

    /// <summary>The model to use (--remote-model, else the first listed) and the context the server states for it.</summary>
    private (string Name, int? Context) Choose(string json)
    {
        using var document = JsonDocument.Parse(json);
        var models = JsonFields.Array(document.RootElement, "data")?.EnumerateArray().Where(m => JsonFields.String(m, "id") is not null).ToList() ?? [];
        var wanted = Backend.RemoteModel;
        if (models.Count == 0)
        {
            return wanted is not null
                ? (wanted, null)
                : throw new BackendException($"The {Http.Server} lists no models at /v1/models; name one with --remote-model.", BackendFault.NotFound);
        }

        var model = wanted is null ? models[0] : models.FirstOrDefault(m => JsonFields.String(m, "id") == wanted);
        if (model.ValueKind == JsonValueKind.Undefined)
        {
            var names = string.Join(", ", models.Take(8).Select(m => JsonFields.String(m, "id")));
            throw new BackendException($"The {Http.Server} does not serve the model '{wanted}'; it lists: {names}. Use --remote-model with one of them.", BackendFault.NotFound);
        }

        var meta = JsonFields.Object(model, "meta");
        var context = JsonFields.Int(model, "max_model_len") ?? JsonFields.Int(model, "context_length") ?? JsonFields.Int(model, "context_window")
            ?? (meta is { } m ? JsonFields.Int(m, "n_ctx") ?? JsonFields.Int(m, "n_ctx_train") : null);
        return (JsonFields.String(model, "id")!, context);
    }

    private protected override Task<CompletionResult> GenerateAsync(CompletionRequest request, ServerFacts facts, FittedPrompt prompt, Action<string>? onText, Stopwatch clock, CancellationToken cancellationToken)
    {
        var text = facts.Template.Render(prompt.Context, prompt.Prefix, prompt.Suffix);
        var body = new JsonObject
        {
            ["model"] = facts.ModelName,
            ["prompt"] = text,
            ["max_tokens"] = request.Generation.MaxTokens,
            ["temperature"] = request.Generation.Temperature,
            ["seed"] = request.Generation.Seed,
            ["stream"] = true,
        };
        if (request.Mode == CompletionMode.SingleLine)
        {
            body["stop"] = Stops(request);
        }

        return StreamAsync("/v1/completions", body, StreamFormat.ServerSentEvents, Chunks.OpenAiCompletion, CompletionRules(request, facts.Template), text.Length, onText, clock, cancellationToken);
    }

    private protected override Task<ChatResult> ChatCoreAsync(ChatRequest request, ServerFacts facts, Action<string>? onText, Stopwatch clock, CancellationToken cancellationToken) =>
        OpenAiChatAsync("/v1/chat/completions", facts.ModelName, request, onText, clock, cancellationToken);
}
