using System.Diagnostics;
using System.Text.Json.Nodes;
using LspCopilot.Backends.Http;
using LspCopilot.Backends.Streaming;
using LspCopilot.Completion.Chat;

namespace LspCopilot.Backends.Engines;

/// <summary>Sends a chat and reads its streamed reply (the routes differ in body and chunk shape, not in how they stream).</summary>
internal static class ChatStream
{
    public static async Task<Generated> ReadAsync(BackendHttp http, string path, JsonObject body, StreamFormat format, ChunkReader chunks, GenerationRules rules, Stopwatch clock, Action<string>? onText, CancellationToken cancellationToken)
    {
        using var response = await http.SendAsync(HttpMethod.Post, path, body, quick: false, cancellationToken).ConfigureAwait(false);
        return await StreamedGeneration.ReadAsync(response, format, chunks, rules, http, clock, onText, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>An OpenAI chat completion request, streamed.</summary>
    public static JsonObject OpenAiBody(string? model, ChatRequest request)
    {
        var body = new JsonObject
        {
            ["messages"] = Messages(request.Messages),
            ["max_tokens"] = request.Generation.MaxTokens,
            ["temperature"] = request.Generation.Temperature,
            ["seed"] = request.Generation.Seed,
            ["stream"] = true,
        };
        if (model is not null)
        {
            body["model"] = model;
        }

        return body;
    }

    public static JsonArray Messages(IReadOnlyList<ChatMessage> messages) =>
        [.. messages.Select(m => (JsonNode)new JsonObject { ["role"] = m.Role, ["content"] = m.Content })];
}
