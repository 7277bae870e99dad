using System.Text.Json.Serialization;
using System.Text.Json;

namespace LspCopilot.Server.Protocol;

/// <summary>The one set of JSON settings for the wire: camelCase, nulls omitted, required members enforced.</summary>
public static class LspJson
{
    public static JsonSerializerOptions Options { get; } = Configure(new JsonSerializerOptions());

    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        options.PropertyNameCaseInsensitive = true;
        options.RespectNullableAnnotations = true;
        options.RespectRequiredConstructorParameters = true;
        return options;
    }

    /// <summary>params.textDocument.uri when it can be read, else null.</summary>
    public static string? DocumentUriOf(JsonElement? parameters)
    {
        try
        {
            return parameters is { ValueKind: JsonValueKind.Object } json
                && json.TryGetProperty("textDocument", out var document) && document.ValueKind == JsonValueKind.Object
                && document.TryGetProperty("uri", out var uri) && uri.ValueKind == JsonValueKind.String
                ? uri.GetString()
                : null;
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }
}
