using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;

namespace LspCopilot.Server.Benchmarks.Soak;

/// <summary>An answer to one request: the whole message (result or error) and when it was read.</summary>
internal readonly record struct LspAnswer(JsonElement Message, long Timestamp)
{
    public bool IsError => Message.TryGetProperty("error", out _);

    public int? ErrorCode => Message.TryGetProperty("error", out var error) && error.TryGetProperty("code", out var code) ? code.GetInt32() : null;

    public string ErrorMessage => Message.TryGetProperty("error", out var error) && error.TryGetProperty("message", out var message) ? message.GetString() ?? string.Empty : string.Empty;
}

/// <summary>
/// A minimal LSP client over a language server's stdin/stdout, as an editor speaks it: Content-Length
/// framed JSON-RPC, numeric request ids, every answer matched to its request. Requests from the server
/// are answered with null; notifications go to <see cref="Notification"/>.
/// </summary>
internal sealed class LspProcessClient
{
    // camelCase, as LSP spells its fields (our Protocol records are PascalCase in C#).
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    private readonly Stream _toServer;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly ConcurrentDictionary<long, TaskCompletionSource<LspAnswer>> _pending = new();
    private readonly Task _reader;
    private long _nextId;
    private int _unmatched;

    public LspProcessClient(Stream toServer, Stream fromServer)
    {
        _toServer = toServer;
        _reader = Task.Run(() => ReadLoopAsync(fromServer));
    }

    /// <summary>A notification from the server: its method and params (cloned).</summary>
    public event Action<string, JsonElement>? Notification;

    /// <summary>Answers whose id matched no request waiting for one (a second answer, or an id never sent).</summary>
    public int UnmatchedAnswers => Volatile.Read(ref _unmatched);

    /// <summary>Completes when the server closes its stdout.</summary>
    public Task Closed => _reader;

    /// <summary>Sends a request; returns its id and the task of its answer (faulted if the server goes away first).</summary>
    public async Task<(long Id, Task<LspAnswer> Answer)> StartRequestAsync(string method, object? parameters)
    {
        var id = Interlocked.Increment(ref _nextId);
        var answer = new TaskCompletionSource<LspAnswer>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = answer;
        await SendAsync(new { jsonrpc = "2.0", id, method, @params = parameters }).ConfigureAwait(false);
        return (id, answer.Task);
    }

    public async Task<LspAnswer> RequestAsync(string method, object? parameters, TimeSpan timeout)
    {
        var (_, answer) = await StartRequestAsync(method, parameters).ConfigureAwait(false);
        return await answer.WaitAsync(timeout).ConfigureAwait(false);
    }

    public Task NotifyAsync(string method, object? parameters) => SendAsync(new { jsonrpc = "2.0", method, @params = parameters });

    private async Task SendAsync(object message)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(message, s_json);
        var header = Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"Content-Length: {body.Length}\r\n\r\n"));
        await _writeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            await _toServer.WriteAsync(header).ConfigureAwait(false);
            await _toServer.WriteAsync(body).ConfigureAwait(false);
            await _toServer.FlushAsync().ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async Task ReadLoopAsync(Stream fromServer)
    {
        var reader = PipeReader.Create(fromServer);
        try
        {
            while (true)
            {
                var read = await reader.ReadAsync().ConfigureAwait(false);
                var buffer = read.Buffer;
                while (TryReadFrame(ref buffer, out var body))
                {
                    await DispatchAsync(body).ConfigureAwait(false);
                }

                reader.AdvanceTo(buffer.Start, buffer.End);
                if (read.IsCompleted)
                {
                    return;
                }
            }
        }
        finally
        {
            await reader.CompleteAsync().ConfigureAwait(false);
            foreach (var pending in _pending.Values)
            {
                pending.TrySetException(new EndOfStreamException("The server closed its output before answering."));
            }
        }
    }

    private static bool TryReadFrame(ref ReadOnlySequence<byte> buffer, out byte[] body)
    {
        body = [];
        var reader = new SequenceReader<byte>(buffer);
        if (!reader.TryReadTo(out ReadOnlySequence<byte> header, "\r\n\r\n"u8))
        {
            return false;
        }

        var length = ContentLength(Encoding.ASCII.GetString(header));
        if (reader.Remaining < length)
        {
            return false;
        }

        body = buffer.Slice(reader.Position, length).ToArray();
        buffer = buffer.Slice(buffer.GetPosition(length, reader.Position));
        return true;
    }

    private static int ContentLength(string header)
    {
        foreach (var line in header.Split("\r\n"))
        {
            if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
            {
                return int.Parse(line.AsSpan("Content-Length:".Length).Trim(), CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidDataException($"A frame from the server has no Content-Length: '{header}'.");
    }

    private async Task DispatchAsync(byte[] body)
    {
        var timestamp = Stopwatch.GetTimestamp();
        using var document = JsonDocument.Parse(body);
        var message = document.RootElement;
        var hasId = message.TryGetProperty("id", out var id);
        var hasMethod = message.TryGetProperty("method", out var method);
        if (hasId && hasMethod)
        {
            // A request from the server (e.g. window/workDoneProgress/create): an editor answers it.
            await SendAsync(new { jsonrpc = "2.0", id = id.Clone(), result = (object?)null }).ConfigureAwait(false);
        }
        else if (hasId)
        {
            if (id.ValueKind == JsonValueKind.Number && _pending.TryRemove(id.GetInt64(), out var answer))
            {
                answer.TrySetResult(new LspAnswer(message.Clone(), timestamp));
            }
            else
            {
                Interlocked.Increment(ref _unmatched);
            }
        }
        else if (hasMethod && Notification is { } listener)
        {
            listener(method.GetString() ?? string.Empty, message.TryGetProperty("params", out var parameters) ? parameters.Clone() : default);
        }
    }
}
