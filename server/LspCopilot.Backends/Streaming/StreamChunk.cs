using System.Text.Json;
using LspCopilot.Backends.Http;
using LspCopilot.Completion;

namespace LspCopilot.Backends.Streaming;

/// <summary>One streamed piece of an answer: its new text, whether it is the last, why the server stopped, what it counted.</summary>
internal readonly record struct StreamChunk(string Text, bool Final, string? FinishReason, int? PromptTokens)
{
    /// <summary>Prompt tokens the server took from its cache instead of reading them (llama-server's <c>timings.cache_n</c>).</summary>
    public int? CachedTokens { get; init; }
}

/// <summary>Reads one JSON payload of a stream (each API spells its chunks differently).</summary>
internal delegate StreamChunk ChunkReader(JsonElement root);

/// <summary>The chunk shapes of the APIs we speak.</summary>
internal static class Chunks
{
    /// <summary>llama-server /infill and /completion: <c>{"content","stop","stop_type","tokens_evaluated","timings":{"cache_n"}}</c>.</summary>
    public static StreamChunk LlamaServer(JsonElement root) => new(
        JsonFields.String(root, "content") ?? string.Empty,
        root.TryGetProperty("stop", out var stop) && stop.ValueKind == JsonValueKind.True,
        JsonFields.String(root, "stop_type"),
        JsonFields.Int(root, "tokens_evaluated"))
    {
        CachedTokens = JsonFields.Object(root, "timings") is { } timings ? JsonFields.Int(timings, "cache_n") : null,
    };

    /// <summary>OpenAI /v1/completions: <c>{"choices":[{"text","finish_reason"}],"usage":{"prompt_tokens"}}</c>.</summary>
    public static StreamChunk OpenAiCompletion(JsonElement root)
    {
        var choice = FirstChoice(root);
        var finish = choice is { } c ? JsonFields.String(c, "finish_reason") : null;
        return new(choice is { } t ? JsonFields.String(t, "text") ?? string.Empty : string.Empty, finish is not null, finish, Usage(root));
    }

    /// <summary>OpenAI /v1/chat/completions: <c>{"choices":[{"delta":{"content"},"finish_reason"}]}</c>.</summary>
    public static StreamChunk OpenAiChat(JsonElement root)
    {
        var choice = FirstChoice(root);
        var finish = choice is { } c ? JsonFields.String(c, "finish_reason") : null;
        var text = choice is { } d && d.TryGetProperty("delta", out var delta) && delta.ValueKind == JsonValueKind.Object ? JsonFields.String(delta, "content") : null;
        return new(text ?? string.Empty, finish is not null, finish, Usage(root));
    }

    /// <summary>Ollama /api/generate: <c>{"response","done","done_reason","prompt_eval_count"}</c>.</summary>
    public static StreamChunk OllamaGenerate(JsonElement root) => new(
        JsonFields.String(root, "response") ?? string.Empty,
        root.TryGetProperty("done", out var done) && done.ValueKind == JsonValueKind.True,
        JsonFields.String(root, "done_reason"),
        JsonFields.Int(root, "prompt_eval_count"));

    /// <summary>Ollama /api/chat: <c>{"message":{"content"},"done","done_reason"}</c>.</summary>
    public static StreamChunk OllamaChat(JsonElement root) => new(
        root.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.Object ? JsonFields.String(message, "content") ?? string.Empty : string.Empty,
        root.TryGetProperty("done", out var done) && done.ValueKind == JsonValueKind.True,
        JsonFields.String(root, "done_reason"),
        JsonFields.Int(root, "prompt_eval_count"));

    /// <summary>What a server's finish reason means for us.</summary>
    public static StopReason ReasonOf(string? finish) => finish switch
    {
        "length" or "limit" => StopReason.TokenLimit,
        _ => StopReason.EndOfGeneration,
    };

    private static JsonElement? FirstChoice(JsonElement root) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty("choices", out var choices) && choices.ValueKind == JsonValueKind.Array && choices.GetArrayLength() > 0 && choices[0].ValueKind == JsonValueKind.Object
            ? choices[0]
            : null;

    private static int? Usage(JsonElement root) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object ? JsonFields.Int(usage, "prompt_tokens") : null;
}
