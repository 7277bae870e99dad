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
}
