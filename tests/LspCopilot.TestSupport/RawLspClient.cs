using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text;

namespace LspCopilot.TestSupport;

/// <summary>
/// A client that writes and reads LSP frames by hand: it sees exactly what the server puts on the
/// wire (error codes, message order), independent of StreamJsonRpc's client-side interpretation.
/// </summary>
public sealed class RawLspClient : IAsyncDisposable
{
    private readonly Stream _output;
    private readonly Stream _input;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly ConcurrentDictionary<string, TaskCompletionSource<JsonElement>> _pending = new();
    private readonly ConcurrentQueue<JsonElement> _received = new();
    private readonly SemaphoreSlim _arrived = new(0);
    private readonly Task _reader;
    private int _nextId;

    public RawLspClient(Stream output, Stream input)
    {
        _output = output;
        _input = input;
        _reader = Task.Run(ReadLoopAsync);
    }

    /// <summary>Every message received, in order.</summary>
    public IReadOnlyList<JsonElement> Received => [.. _received];

    /// <summary>Completes when the server closes its side.</summary>
    public Task Closed => _reader;

    public async Task SendAsync(object message)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(message);
        await SendRawAsync(Encoding.ASCII.GetBytes($"Content-Length: {body.Length}\r\n\r\n").Concat(body).ToArray());
    }

    /// <summary>Sends <paramref name="json"/> as it is, framed: for messages a serializer would not write.</summary>
    public Task SendJsonAsync(string json) => SendRawAsync(Frame(json));

    /// <summary>The frame of a message body: Content-Length header and the UTF-8 body.</summary>
    public static byte[] Frame(string json)
    {
        var body = Encoding.UTF8.GetBytes(json);
        return [.. Encoding.ASCII.GetBytes($"Content-Length: {body.Length}\r\n\r\n"), .. body];
    }

    public async Task SendRawAsync(byte[] bytes)
    {
        await _writeLock.WaitAsync();
        try
        {
            await _output.WriteAsync(bytes);
            await _output.FlushAsync();
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Sends a request and returns its id and the task of its response (a result or an error).</summary>
    public async Task<(object Id, Task<JsonElement> Response)> StartRequestAsync(string method, object? parameters, object? id = null)
    {
        id ??= Interlocked.Increment(ref _nextId);
        var tcs = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[Key(id)] = tcs;
        await SendAsync(new { jsonrpc = "2.0", id, method, @params = parameters });
        return (id, tcs.Task);
    }

    /// <summary>How long <see cref="RequestAsync"/> waits for a response: a guard against a hang, generous because real-model requests on a busy 2-core machine (a worker starting, a model loading, its CPU build measured) take tens of seconds.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(90);

    public async Task<JsonElement> RequestAsync(string method, object? parameters)
    {
        var (_, response) = await StartRequestAsync(method, parameters);
        return await response.WaitAsync(RequestTimeout);
    }

    public Task NotifyAsync(string method, object? parameters) => SendAsync(new { jsonrpc = "2.0", method, @params = parameters });

    public Task CancelAsync(object id) => NotifyAsync("$/cancelRequest", new { id });

    public async Task InitializeAsync(object? initializationOptions = null)
    {
        var response = await RequestAsync("initialize", new
        {
            processId = (int?)null,
            capabilities = new { textDocument = new { inlineCompletion = new { } } },
            initializationOptions,
        });
        if (response.TryGetProperty("error", out var error))
        {
            throw new InvalidOperationException("initialize failed: " + error);
        }

        await NotifyAsync("initialized", new { });
    }

    public async Task<JsonElement> WaitForAsync(Func<JsonElement, bool> predicate, int timeoutMs = 20_000)
    {
        using var cts = new CancellationTokenSource(timeoutMs);
        while (true)
        {
            foreach (var message in _received)
            {
                if (predicate(message))
                {
                    return message;
                }
            }

            if (_reader.IsCompleted)
            {
                throw new EndOfStreamException("The server closed the connection before a matching message came.");
            }

            try
            {
                await Task.WhenAny(_arrived.WaitAsync(cts.Token), _reader).Unwrap().ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"No matching message within {timeoutMs} ms.");
            }
        }
    }

    public static bool IsNotification(JsonElement message, string method) =>
        !message.TryGetProperty("id", out _) && message.TryGetProperty("method", out var m) && m.GetString() == method;

    private static string Key(object id) => id switch
    {
        string s => "s:" + s,
        JsonElement { ValueKind: JsonValueKind.String } e => "s:" + e.GetString(),
        JsonElement e => "n:" + e.GetRawText(),
        _ => "n:" + Convert.ToString(id, CultureInfo.InvariantCulture),
    };

    private async Task ReadLoopAsync()
    {
        var buffer = new List<byte>();
        var chunk = new byte[8192];
        while (true)
        {
            var headerEnd = IndexOf(buffer, "\r\n\r\n"u8.ToArray());
            if (headerEnd >= 0)
            {
                var header = Encoding.ASCII.GetString(buffer.GetRange(0, headerEnd).ToArray());
                var length = int.Parse(header.Split("\r\n").First(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))["Content-Length:".Length..].Trim(), CultureInfo.InvariantCulture);
                if (buffer.Count >= headerEnd + 4 + length)
                {
                    var body = buffer.GetRange(headerEnd + 4, length).ToArray();
                    buffer.RemoveRange(0, headerEnd + 4 + length);
                    await HandleAsync(JsonDocument.Parse(body).RootElement.Clone());
                    continue;
                }
            }

            var read = await _input.ReadAsync(chunk);
            if (read == 0)
            {
                foreach (var pending in _pending.Values)
                {
                    pending.TrySetException(new EndOfStreamException("The server closed the connection."));
                }

                return;
            }

            buffer.AddRange(chunk.AsSpan(0, read).ToArray());
        }
    }

    private async Task HandleAsync(JsonElement message)
    {
        _received.Enqueue(message);
        _arrived.Release();
        var hasId = message.TryGetProperty("id", out var id);
        if (hasId && message.TryGetProperty("method", out _))
        {
            // A request from the server (e.g. window/workDoneProgress/create): answer it.
            await SendAsync(new { jsonrpc = "2.0", id, result = (object?)null });
        }
        else if (hasId && _pending.TryRemove(Key(id), out var tcs))
        {
            tcs.TrySetResult(message);
        }
    }

    private static int IndexOf(List<byte> haystack, byte[] needle)
    {
        for (var i = 0; i + needle.Length <= haystack.Count; i++)
        {
            var match = true;
            for (var j = 0; j < needle.Length && match; j++)
            {
                match = haystack[i + j] == needle[j];
            }

            if (match)
            {
                return i;
            }
        }

        return -1;
    }

    public async ValueTask DisposeAsync()
    {
        await _output.DisposeAsync();
        try
        {
            await _reader.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception)
        {
            // Closing is best effort.
        }
    }
}
