using System.Text;
using LspCopilot.Backends.Http;

namespace LspCopilot.Backends.Streaming;

/// <summary>
/// The JSON payloads of a streamed answer, in order. SSE: the <c>data:</c> lines of each event joined by newlines
/// (comments, <c>event:</c>, <c>id:</c>, <c>retry:</c> and unknown fields are skipped; an <c>error:</c> field is an error; <c>[DONE]</c>
/// ends the stream). NDJSON: each non-blank line. A body that is one JSON document (a server that ignored
/// <c>stream: true</c>) comes through as one payload.
/// </summary>
internal sealed class StreamEvents(LineReader reader, StreamFormat format, string server)
{
    public const string Done = "[DONE]";

    /// <summary>The next payload, <see cref="Done"/> for SSE's end marker, or null at the end of the body.</summary>
    public async Task<string?> NextAsync(CancellationToken cancellationToken)
    {
        if (format == StreamFormat.NdJson)
        {
            while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
            {
                if (!string.IsNullOrWhiteSpace(line))
                {
                    return line;
                }
            }

            return null;
        }

        StringBuilder? data = null;
        while (true)
        {
            var line = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
            if (line is null || line.Length == 0)
            {
                if (data is not null)
                {
                    return data.ToString();
                }

                if (line is null)
                {
                    return null;
                }

                continue;
            }

            if (line[0] == '{' && data is null)
            {
                // Not SSE: a JSON body (stream ignored, or an error document).
                return line;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? string.Empty : line[(colon + 1)..];
            if (value.StartsWith(' '))
            {
                value = value[1..];
            }

            switch (field)
            {
                case "data":
                    if (data is null)
                    {
                        data = new StringBuilder(value);
                    }
                    else
                    {
                        data.Append('\n').Append(value);
                    }

                    break;
                case "error":
                    throw new BackendException($"The {server} reported an error in the middle of the answer: {ErrorBody.Read(value).Message}", BackendFault.Protocol);
                default:
                    // Comments (":…"), event, id, retry and fields unknown to SSE are skipped, as the standard says.
                    break;
            }
        }
    }
}
