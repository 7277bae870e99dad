using System.Buffers;
using System.Buffers.Text;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace LspCopilot.Server.Protocol;

/// <summary>
/// Reads a document's text as the editor holds it. An editor's UTF-16 text may hold a lone surrogate
/// (half of an emoji, mid-edit), which JSON carries as an escape such as <c>"\ud800"</c>;
/// System.Text.Json refuses to read that, and the whole notification would be lost. Here the lone
/// surrogate is kept as the one UTF-16 unit it is, so the text and every position after it stay the
/// editor's. (Invalid UTF-8 bytes, which no LSP client sends, read as U+FFFD.)
/// </summary>
public sealed class EditorTextConverter : JsonConverter<string>
{
    public override string Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw new JsonException($"The text must be a string, not {reader.TokenType}.");
        }

        try
        {
            return reader.GetString()!;
        }
        catch (InvalidOperationException)
        {
            // A lone surrogate escape or invalid UTF-8: read it ourselves, without validating UTF-16.
            return reader.HasValueSequence ? Unescape(reader.ValueSequence.ToArray()) : Unescape(reader.ValueSpan);
        }
    }

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);

    /// <summary>A JSON string's raw bytes (without quotes) as UTF-16, lone surrogates included.</summary>
    public static string Unescape(ReadOnlySpan<byte> raw)
    {
        // Each byte yields at most one UTF-16 unit, so the raw length bounds the result.
        var buffer = ArrayPool<char>.Shared.Rent(Math.Max(raw.Length, 1));
        try
        {
            var written = 0;
            while (raw.Length > 0)
            {
                var escape = raw.IndexOf((byte)'\\');
                var run = escape < 0 ? raw : raw[..escape];
                written += Encoding.UTF8.GetChars(run, buffer.AsSpan(written));
                if (escape < 0)
                {
                    break;
                }

                if (escape + 1 >= raw.Length)
                {
                    throw new JsonException("The text ends inside an escape sequence.");
                }

                raw = raw[(escape + 1)..];
                var (unit, length) = raw[0] switch
                {
                    (byte)'"' => ('"', 1),
                    (byte)'\\' => ('\\', 1),
                    (byte)'/' => ('/', 1),
                    (byte)'b' => ('\b', 1),
                    (byte)'f' => ('\f', 1),
                    (byte)'n' => ('\n', 1),
                    (byte)'r' => ('\r', 1),
                    (byte)'t' => ('\t', 1),
                    (byte)'u' when raw.Length >= 5 && Utf8Parser.TryParse(raw.Slice(1, 4), out ushort code, out var digits, 'X') && digits == 4 => ((char)code, 5),
                    _ => throw new JsonException("The text holds an invalid escape sequence."),
                };
                buffer[written++] = unit;
                raw = raw[length..];
            }

            return new string(buffer, 0, written);
        }
        finally
        {
            ArrayPool<char>.Shared.Return(buffer);
        }
    }
}
