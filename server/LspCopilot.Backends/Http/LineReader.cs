using System.Buffers;
using System.Text;

namespace LspCopilot.Backends.Http;

/// <summary>
/// Reads a streamed response line by line (SSE and NDJSON are both lines) without trusting the server: a line longer
/// than the line limit, a body longer than the response limit, or silence longer than the silence limit ends the
/// read with a <see cref="BackendException"/>, so memory stays bounded and nothing waits forever. Lines end at
/// <c>\n</c>; a <c>\r</c> before it is dropped.
/// </summary>
internal sealed class LineReader : IDisposable
{
    private readonly Stream _stream;
    private readonly BackendLimits _limits;
    private readonly string _server;
    private readonly Action _onBytes;
    private readonly CancellationTokenSource _silence = new();
    private byte[] _buffer;
    private int _start;
    private int _end;
    private long _total;
    private bool _eof;

    public LineReader(Stream stream, BackendLimits limits, string server, Action onBytes)
    {
        _stream = stream;
        _limits = limits;
        _server = server;
        _onBytes = onBytes;
        _buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
    }

    /// <summary>The next line without its ending, or null at the end of the body.</summary>
    public async Task<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        var scanned = _start;
        while (true)
        {
            var newline = Array.IndexOf(_buffer, (byte)'\n', scanned, _end - scanned);
            if (newline - _start > _limits.LineBytes || (newline < 0 && _end - _start > _limits.LineBytes))
            {
                throw new BackendException($"The {_server} sent a line longer than {_limits.LineBytes / 1024} KiB; that is not a completion stream, so the answer was dropped.", BackendFault.Protocol);
            }

            if (newline >= 0)
            {
                var length = newline - _start;
                if (length > 0 && _buffer[newline - 1] == '\r')
                {
                    length--;
                }

                var line = Decode(_start, length);
                _start = newline + 1;
                return line;
            }

            if (_eof)
            {
                if (_end == _start)
                {
                    return null;
                }

                var rest = Decode(_start, _end - _start);
                _start = _end;
                return rest;
            }

            MakeRoom();
            scanned = _end;
            var read = await ReadAsync(cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                _eof = true;
                continue;
            }

            _end += read;
            _total += read;
            _onBytes();
            if (_total > _limits.ResponseBytes)
            {
                throw new BackendException($"The {_server} sent more than {_limits.ResponseBytes / (1024 * 1024)} MiB for one answer; it was dropped.", BackendFault.Protocol);
            }
        }
    }

    /// <summary>Everything left, as text (for a body that is one JSON document), within the limits.</summary>
    public async Task<string> ReadToEndAsync(CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        while (await ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            text.Append(line).Append('\n');
        }

        return text.ToString();
    }

    private async Task<int> ReadAsync(CancellationToken cancellationToken)
    {
        if (!_silence.TryReset())
        {
            throw new InvalidOperationException("A silence timer fired and was not reset.");
        }

        _silence.CancelAfter(_limits.Silence);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _silence.Token);
        try
        {
            return await _stream.ReadAsync(_buffer.AsMemory(_end), linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_silence.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new BackendException($"The {_server} went silent for {_limits.Silence.TotalSeconds:0.#} s in the middle of an answer; it was dropped.", BackendFault.Silent);
        }
        catch (IOException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new BackendException($"The connection to the {_server} broke in the middle of an answer ({ex.Message}); it was dropped.", BackendFault.Protocol, ex);
        }
        catch (System.Net.Http.HttpRequestException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new BackendException($"The connection to the {_server} broke in the middle of an answer ({ex.Message}); it was dropped.", BackendFault.Protocol, ex);
        }
    }

    private void MakeRoom()
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        if (_end == _buffer.Length)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Min(_buffer.Length * 2, _limits.LineBytes + 16 * 1024));
            Buffer.BlockCopy(_buffer, 0, bigger, 0, _end);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = bigger;
        }
    }

    private string Decode(int start, int length)
    {
        try
        {
            return s_utf8.GetString(_buffer, start, length);
        }
        catch (DecoderFallbackException ex)
        {
            throw new BackendException($"The {_server} sent text that is not UTF-8; the answer was dropped.", BackendFault.Protocol, ex);
        }
    }

    private static readonly UTF8Encoding s_utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public void Dispose()
    {
        _silence.Dispose();
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }
}
