using System.Text.Json;
using System.Text.Json.Serialization;

namespace LspCopilot.Server.Protocol;

/// <summary>
/// A notification's params, read without throwing: <see cref="Value"/> when they fit
/// <typeparamref name="T"/>, else <see cref="Problem"/> and, if that much can be read, the document
/// they name. A notification has no answer to carry an error, and StreamJsonRpc drops one whose params
/// cannot be read without a trace; read this way, the handler gets it and acts on it. (Reading a
/// <see cref="JsonElement"/> instead would parse and copy every didOpen's text once more.)
/// </summary>
[JsonConverter(typeof(NotificationParamsConverterFactory))]
public sealed record NotificationParams<T>(T? Value, string? DocumentUri, string? Problem)
    where T : class
{
    /// <summary>What a handler says when StreamJsonRpc had no params to give it.</summary>
    public const string Missing = "params are missing.";
}

internal sealed class NotificationParamsConverterFactory : JsonConverterFactory
{
    public override bool CanConvert(Type typeToConvert) =>
        typeToConvert.IsGenericType && typeToConvert.GetGenericTypeDefinition() == typeof(NotificationParams<>);

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(typeof(NotificationParamsConverter<>).MakeGenericType(typeToConvert.GetGenericArguments()[0]))!;
}

internal sealed class NotificationParamsConverter<T> : JsonConverter<NotificationParams<T>>
    where T : class
{
    public override NotificationParams<T> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var start = reader; // a copy: where the params begin, to read them again if they do not fit
        try
        {
            return JsonSerializer.Deserialize<T>(ref reader, options) is { } value
                ? new NotificationParams<T>(value, null, null)
                : Unreadable(ref reader, start, "params must be an object.");
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or NotSupportedException or ArgumentException or FormatException)
        {
            return Unreadable(ref reader, start, ex.Message);
        }
    }

    public override void Write(Utf8JsonWriter writer, NotificationParams<T> value, JsonSerializerOptions options) =>
        JsonSerializer.Serialize(writer, value.Value, options);

    private static NotificationParams<T> Unreadable(ref Utf8JsonReader reader, Utf8JsonReader start, string problem)
    {
        reader = start;
        using var document = JsonDocument.ParseValue(ref reader); // leaves the reader at the value's end, as a converter must
        return new NotificationParams<T>(null, LspJson.DocumentUriOf(document.RootElement), problem);
    }
}
