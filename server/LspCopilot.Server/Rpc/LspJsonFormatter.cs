using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LspCopilot.Server.Handlers;
using LspCopilot.Server.Protocol;
using StreamJsonRpc;
using StreamJsonRpc.Protocol;

namespace LspCopilot.Server.Rpc;

/// <summary>
/// StreamJsonRpc's System.Text.Json formatter with our JSON settings and one rule it lacks: a message
/// whose <c>params</c> is neither an object nor an array (<c>"params": "x"</c>) does not fail the read —
/// which would close the connection — but reaches <see cref="MalformedParamsHandler"/>, so a request gets
/// -32602 and a notification a log line, and the connection lives.
/// </summary>
internal sealed class LspJsonFormatter : SystemTextJsonFormatter, IJsonRpcMessageFormatter, IJsonRpcMessageTextFormatter
{
    public LspJsonFormatter()
    {
        LspJson.Configure(JsonSerializerOptions);
    }

    JsonRpcMessage IJsonRpcMessageFormatter.Deserialize(ReadOnlySequence<byte> contentBuffer) => Read(contentBuffer, Encoding);

    JsonRpcMessage IJsonRpcMessageTextFormatter.Deserialize(ReadOnlySequence<byte> contentBuffer, Encoding encoding) => Read(contentBuffer, encoding);

    private JsonRpcMessage Read(ReadOnlySequence<byte> contentBuffer, Encoding encoding)
    {
        try
        {
            return Deserialize(contentBuffer, encoding);
        }
        catch (InvalidOperationException) when (Redirect(contentBuffer) is { } redirected)
        {
            return Deserialize(new ReadOnlySequence<byte>(redirected), encoding);
        }
    }

    /// <summary>The message re-addressed to the malformed-params method, or null if its params are not the problem.</summary>
    private static byte[]? Redirect(ReadOnlySequence<byte> contentBuffer)
    {
        using var document = JsonDocument.Parse(contentBuffer);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object ||
            !root.TryGetProperty("method", out var method) || method.ValueKind != JsonValueKind.String ||
            !root.TryGetProperty("params", out var parameters) || parameters.ValueKind is JsonValueKind.Object or JsonValueKind.Array or JsonValueKind.Null)
        {
            return null;
        }

        var hasId = root.TryGetProperty("id", out var id);
        var message = new JsonObject
        {
            ["jsonrpc"] = "2.0",
            ["method"] = hasId ? MalformedParamsHandler.RequestMethod : MalformedParamsHandler.NotificationMethod,
            ["params"] = new JsonObject { ["method"] = method.GetString(), ["kind"] = parameters.ValueKind.ToString().ToLowerInvariant() },
        };
        if (hasId)
        {
            message["id"] = JsonNode.Parse(id.GetRawText());
        }

        return JsonSerializer.SerializeToUtf8Bytes(message);
    }
}
