using System.Globalization;
using System.Text.Json;
using System.Text;
using LspCopilot.Server.Configuration;
using LspCopilot.Server.Protocol;

namespace LspCopilot.Server.Rpc;

/// <summary>
/// Admits a network connection only if its first message is sane LSP framing carrying
/// <c>initialize</c> and, when the server has a token, <c>initializationOptions.authToken</c> equal to it
/// (compared in constant time). Anything else gets at most one error frame and the connection closes
/// before any handler runs.
/// </summary>
public static class ConnectionGate
{
    /// <summary>The first message may be at most this large (an initialize is a few KB).</summary>
    public const int MaxFirstMessageBytes = 1024 * 1024;

    /// <summary>Error code of a refused token (JSON-RPC's server-defined range).</summary>
    public const int Unauthorized = -32001;

    /// <summary>
    /// Returns a stream that replays the first message and continues with the connection, or null with the
    /// reason. <paramref name="takeSlot"/>, called once the first message passed, may still refuse (a full
    /// server): its reason is answered to the initialize like a bad token's.
    /// </summary>
    public static async Task<(Stream? Admitted, string? Refusal)> AdmitAsync(Stream connection, string? token, TimeSpan timeout, CancellationToken cancellationToken, Func<string?>? takeSlot = null)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        var buffer = new MemoryStream();
        var guard = new FramingGuardStream(connection, MaxFirstMessageBytes);
        try
        {
            var headerEnd = -1;
            var chunk = new byte[4096];
            while (headerEnd < 0)
            {
                var read = await guard.ReadAsync(chunk, cts.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    return (null, "closed before sending a message");
                }

                buffer.Write(chunk, 0, read);
                headerEnd = IndexOfHeaderEnd(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
            }

            var header = Encoding.ASCII.GetString(buffer.GetBuffer(), 0, headerEnd);
            var length = int.Parse(header.Split("\r\n").First(l => l.StartsWith("Content-Length:", StringComparison.Ordinal))["Content-Length:".Length..].Trim(), CultureInfo.InvariantCulture);
            var total = headerEnd + 4 + length;
            while (buffer.Length < total)
            {
                var read = await guard.ReadAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, total - buffer.Length)), cts.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    return (null, "closed in the middle of its first message");
                }

                buffer.Write(chunk, 0, read);
            }

            var body = buffer.GetBuffer().AsMemory(headerEnd + 4, length);
            var code = Unauthorized;
            var refusal = CheckFirstMessage(body, token, out var id);
            if (refusal is null && takeSlot?.Invoke() is { } full)
            {
                (refusal, code) = (full, LspErrorCodes.RequestFailed);
            }

            if (refusal is not null)
            {
                await WriteErrorAsync(connection, id, code, refusal, cts.Token).ConfigureAwait(false);
                return (null, refusal);
            }

            return (new ReplayStream(buffer.ToArray(), connection), null);
        }
        catch (FramingViolationException ex)
        {
            return (null, ex.Message);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, $"sent no complete message within {timeout.TotalSeconds:F0} s");
        }
        catch (IOException ex)
        {
            return (null, ex.Message);
        }
    }

    private static string? CheckFirstMessage(ReadOnlyMemory<byte> body, string? token, out JsonElement? id)
    {
        id = null;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            return "the first message is not JSON";
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return "the first message is not a JSON-RPC object";
            }

            if (root.TryGetProperty("id", out var idElement))
            {
                id = idElement.Clone();
            }

            if (!root.TryGetProperty("method", out var method) || method.ValueKind != JsonValueKind.String || method.GetString() != "initialize" || id is null)
            {
                return "the first message must be the initialize request";
            }

            if (token is null)
            {
                return null;
            }

            var given = root.TryGetProperty("params", out var p) ? InitializationOptions.AuthTokenOf(p) : string.Empty;
            return AccessToken.Matches(given, token)
                ? null
                : "authentication failed: initializationOptions.authToken does not match the server's token (--token-file or LSPCOPILOT_TOKEN)";
        }
    }

    private static async Task WriteErrorAsync(Stream connection, JsonElement? id, int code, string message, CancellationToken ct)
    {
        if (id is null)
        {
            return;
        }

        var body = JsonSerializer.SerializeToUtf8Bytes(new { jsonrpc = "2.0", id, error = new { code, message = "LspCopilot: " + message } });
        var header = Encoding.ASCII.GetBytes($"Content-Length: {body.Length}\r\n\r\n");
        try
        {
            await connection.WriteAsync(header, ct).ConfigureAwait(false);
            await connection.WriteAsync(body, ct).ConfigureAwait(false);
            await connection.FlushAsync(ct).ConfigureAwait(false);
        }
        catch (IOException)
        {
            // The peer may already be gone; the connection is closed either way.
        }
    }

    private static int IndexOfHeaderEnd(ReadOnlySpan<byte> bytes) => bytes.IndexOf("\r\n\r\n"u8);
}
