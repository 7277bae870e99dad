using System.Globalization;
using System.Text;

namespace LspCopilot.Server.Rpc;

/// <summary>The bytes on the wire are not acceptable LSP framing; the connection is closed.</summary>
public sealed class FramingViolationException : IOException
{
    public FramingViolationException(string message)
        : base(message)
    {
    }

    public FramingViolationException()
    {
    }

    public FramingViolationException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

/// <summary>
/// Watches the incoming byte stream frame by frame before StreamJsonRpc reads it, and fails the read
/// (which closes the connection) on anything that is not sane LSP framing: headers over the cap or
/// without a Content-Length, a Content-Length that is not a number or over the message cap, bare
/// <c>\n</c> line ends, an HTTP request line or an <c>Origin</c> header (a browser), a charset other than
/// UTF-8. Nothing is buffered: bytes pass through as they arrive.
/// </summary>
public sealed class FramingGuardStream(Stream inner, long maxMessageBytes = FramingGuardStream.DefaultMaxMessageBytes, int maxHeaderBytes = FramingGuardStream.DefaultMaxHeaderBytes) : ReadFilterStream(inner)
{
    public const long DefaultMaxMessageBytes = 32L * 1024 * 1024;
    public const int DefaultMaxHeaderBytes = 8 * 1024;

    private readonly StringBuilder _line = new();
    private bool _inBody;
    private long _bodyLeft;
    private long? _contentLength;
    private int _headerBytes;
    private bool _firstLine = true;
    private bool _sawCarriageReturn;

    public override int Read(Span<byte> buffer)
    {
        var read = Inner.Read(buffer);
        Inspect(buffer[..read]);
        return read;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await Inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        Inspect(buffer.Span[..read]);
        return read;
    }

    private void Inspect(ReadOnlySpan<byte> bytes)
    {
        var i = 0;
        while (i < bytes.Length)
        {
            if (_inBody)
            {
                var take = (int)Math.Min(_bodyLeft, bytes.Length - i);
                _bodyLeft -= take;
                i += take;
                if (_bodyLeft == 0)
                {
                    _inBody = false;
                }

                continue;
            }

            var b = bytes[i++];
            if (++_headerBytes > maxHeaderBytes)
            {
                throw new FramingViolationException($"LSP headers longer than {maxHeaderBytes} bytes.");
            }

            if (b == (byte)'\n')
            {
                if (!_sawCarriageReturn)
                {
                    throw new FramingViolationException("LSP header lines must end with \\r\\n.");
                }

                _sawCarriageReturn = false;
                EndOfLine();
            }
            else if (b == (byte)'\r')
            {
                _sawCarriageReturn = true;
            }
            else
            {
                if (_sawCarriageReturn)
                {
                    throw new FramingViolationException("A bare \\r inside LSP headers.");
                }

                _line.Append((char)b);
            }
        }
    }

    private void EndOfLine()
    {
        var line = _line.ToString();
        _line.Clear();
        if (line.Length == 0)
        {
            if (_contentLength is not { } length)
            {
                throw new FramingViolationException("An LSP message without a Content-Length header.");
            }

            _inBody = length > 0;
            _bodyLeft = length;
            _contentLength = null;
            _headerBytes = 0;
            _firstLine = true;
            return;
        }

        if (_firstLine && line.Contains(" HTTP/", StringComparison.Ordinal))
        {
            throw new FramingViolationException("HTTP traffic on the LSP port.");
        }

        _firstLine = false;
        var colon = line.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            throw new FramingViolationException("An LSP header line without a colon.");
        }

        var name = line[..colon].Trim();
        var value = line[(colon + 1)..].Trim();
        if (name.Equals("Origin", StringComparison.OrdinalIgnoreCase))
        {
            throw new FramingViolationException("Browser traffic (an Origin header) on the LSP port.");
        }

        if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
        {
            if (!name.Equals("Content-Length", StringComparison.Ordinal))
            {
                throw new FramingViolationException("The header must be spelled Content-Length.");
            }

            if (value.Length is 0 or > 18 || !value.All(char.IsAsciiDigit) || !long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var length) || length == 0)
            {
                throw new FramingViolationException($"Content-Length '{value}' is not a positive number.");
            }

            if (length > maxMessageBytes)
            {
                throw new FramingViolationException($"An LSP message of {length} bytes is over the {maxMessageBytes}-byte limit.");
            }

            _contentLength = length;
        }
        else if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
        {
            var charset = value.Split(';').Select(p => p.Trim()).FirstOrDefault(p => p.StartsWith("charset=", StringComparison.OrdinalIgnoreCase));
            if (charset is not null && charset["charset=".Length..].Trim('"') is var cs && !cs.Equals("utf-8", StringComparison.OrdinalIgnoreCase) && !cs.Equals("utf8", StringComparison.OrdinalIgnoreCase))
            {
                throw new FramingViolationException($"Unsupported {charset}: LSP messages are UTF-8.");
            }
        }
    }
}
