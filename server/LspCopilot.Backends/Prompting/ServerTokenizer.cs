using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LspCopilot.Backends.Http;

namespace LspCopilot.Backends.Prompting;

/// <summary>
/// Counts tokens with llama.cpp's <c>POST /tokenize</c> (llama-server, and any server that offers it), a whole batch
/// in one call: the texts are sent as one string with <c>with_pieces</c>, and each token is given to the text its
/// first byte falls in. The total is exact; a token that spans two texts is counted once, in the first.
/// </summary>
internal static class ServerTokenizer
{
    public const string Path = "/tokenize";

    /// <summary>Whether the server answers <c>/tokenize</c> in llama.cpp's shape (asked once, at discovery).</summary>
    public static async Task<bool> OfferedAsync(BackendHttp http, CancellationToken cancellationToken)
    {
        try
        {
            return Pieces(await http.ReadAsync(HttpMethod.Post, Path, Body("int x;"), cancellationToken).ConfigureAwait(false)) is { Count: > 0 };
        }
        catch (BackendException ex) when (!ex.MeansDead)
        {
            return false;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    public static async Task<IReadOnlyList<int>> CountAsync(BackendHttp http, IReadOnlyList<string> texts, CancellationToken cancellationToken)
    {
        var pieces = Pieces(await http.ReadAsync(HttpMethod.Post, Path, Body(string.Concat(texts)), cancellationToken).ConfigureAwait(false))
            ?? throw new BackendException($"The {http.Server} answered /tokenize without tokens.", BackendFault.Protocol);
        return Assign(texts, pieces);
    }

    /// <summary>Each text's token count, from the byte length of each token's piece in the joined text.</summary>
    internal static int[] Assign(IReadOnlyList<string> texts, IReadOnlyList<int> pieceBytes)
    {
        var counts = new int[texts.Count];
        var ends = new long[texts.Count];
        long end = 0;
        for (var i = 0; i < texts.Count; i++)
        {
            end += Encoding.UTF8.GetByteCount(texts[i]);
            ends[i] = end;
        }

        long at = 0;
        var text = 0;
        foreach (var bytes in pieceBytes)
        {
            while (text < texts.Count - 1 && at >= ends[text])
            {
                text++;
            }

            if (texts.Count > 0)
            {
                counts[text]++;
            }

            at += bytes;
        }

        return counts;
    }

    private static JsonObject Body(string content) => new() { ["content"] = content, ["with_pieces"] = true };

    /// <summary>The byte length of each token's piece, or null when the answer has no token list.</summary>
    private static List<int>? Pieces(string json)
    {
        using var document = JsonDocument.Parse(json);
        if (!document.RootElement.TryGetProperty("tokens", out var tokens) || tokens.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        var lengths = new List<int>(tokens.GetArrayLength());
        foreach (var token in tokens.EnumerateArray())
        {
            if (token.ValueKind != JsonValueKind.Object || !token.TryGetProperty("piece", out var piece))
            {
                return null;
            }

            // A piece that is not valid UTF-8 on its own (part of a character) comes as an array of bytes.
            lengths.Add(piece.ValueKind == JsonValueKind.Array ? piece.GetArrayLength() : Encoding.UTF8.GetByteCount(piece.GetString() ?? string.Empty));
        }

        return lengths;
    }
}
