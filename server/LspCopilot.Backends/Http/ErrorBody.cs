using System.Text.Json;

namespace LspCopilot.Backends.Http;

/// <summary>
/// The message inside a server's error body, whichever shape it has: llama-server and OpenAI
/// <c>{"error":{"message","type"}}</c>, Ollama <c>{"error":"..."}</c>, vLLM/FastAPI <c>{"message"}</c> or <c>{"detail"}</c>,
/// or plain text. Shortened: it ends up in a status bar.
/// </summary>
internal static class ErrorBody
{
    private const int MaxLength = 300;

    public static (string Message, string? Type) Read(string body)
    {
        var trimmed = body.Trim();
        if (trimmed.StartsWith('{'))
        {
            try
            {
                using var json = JsonDocument.Parse(trimmed);
                var root = json.RootElement;
                if (root.TryGetProperty("error", out var error) && error.ValueKind is JsonValueKind.String or JsonValueKind.Object)
                {
                    return FromError(error);
                }

                if (Text(root, "message") is { } message)
                {
                    return (Shorten(message), Text(root, "type"));
                }

                if (root.TryGetProperty("detail", out var detail))
                {
                    return (Shorten(detail.ValueKind == JsonValueKind.String ? detail.GetString() : detail.GetRawText()), null);
                }
            }
            catch (JsonException)
            {
                // Not JSON after all: the text itself is the message.
            }
        }

        return (Shorten(trimmed), null);
    }

    /// <summary>The message of an error carried inside a stream (<c>{"error": ...}</c>), or null when the chunk is no error.</summary>
    public static string? InChunk(JsonElement root) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty("error", out var error) && error.ValueKind is not JsonValueKind.Null
            ? FromError(error).Message
            : null;

    private static (string Message, string? Type) FromError(JsonElement error) => error.ValueKind switch
    {
        JsonValueKind.String => (Shorten(error.GetString()), null),
        JsonValueKind.Object => (Shorten(Text(error, "message") ?? error.GetRawText()), Text(error, "type") ?? Text(error, "code")),
        _ => (Shorten(error.GetRawText()), null),
    };

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) ? value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number => value.GetRawText(),
            _ => null,
        } : null;

    private static string Shorten(string? text)
    {
        var oneLine = (text ?? string.Empty).ReplaceLineEndings(" ").Trim();
        return oneLine.Length <= MaxLength ? oneLine : oneLine[..(MaxLength - 1)] + "…";
    }
}
