using System.Diagnostics.CodeAnalysis;
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

    /// <summary>
    /// Reads a notification's params as <typeparamref name="T"/>; false, with what is wrong, when they
    /// do not fit (a notification has no answer to carry the error, so the caller must act on it).
    /// </summary>
    public static bool TryRead<T>(JsonElement? parameters, [NotNullWhen(true)] out T? value, [NotNullWhen(false)] out string? problem)
        where T : class
    {
        value = null;
        if (parameters is not { ValueKind: JsonValueKind.Object } json)
        {
            problem = "params must be an object.";
            return false;
        }

        try
        {
            value = json.Deserialize<T>(Options);
            problem = value is null ? "params must be an object." : null;
            return value is not null;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or NotSupportedException or ArgumentException)
        {
            problem = ex.Message;
            return false;
        }
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
