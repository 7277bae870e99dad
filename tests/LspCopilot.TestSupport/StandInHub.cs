using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Sockets;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using LspCopilot.Server.Protocol;

namespace LspCopilot.TestSupport;

/// <summary>
/// A stand-in for the Hugging Face hub on 127.0.0.1, speaking plain HTTP/1.1 over a TcpListener:
/// <c>/OWNER/NAME/resolve/REV/FILE</c> redirects (with x-linked-etag = SHA-256, as the hub does) to
/// <c>/cdn/FILE</c>, which serves the bytes with Range/If-Range support. Faults on demand: cut a
/// transfer midway, serve corrupted bytes, ignore Range, answer a fixed status.
/// </summary>
public sealed class StandInHub : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _acceptLoop;
    private int _cutsLeft;

    public StandInHub(string repository, string file, byte[] content)
    {
        Repository = repository;
        FileName = file;
        Content = content;
        Sha256 = Convert.ToHexStringLower(SHA256.HashData(content));
        _listener.Start();
        Endpoint = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");
        _acceptLoop = AcceptAsync();
    }

    public string Repository { get; }

    public string FileName { get; }

    public byte[] Content { get; set; }

    public string Sha256 { get; }

    public Uri Endpoint { get; }

    public string ETag { get; set; } = "\"cdn-v1\"";

    /// <summary>The x-linked-etag the redirect carries; null sends none.</summary>
    public string? LinkedETag { get; set; }

    public bool SendLinkedETag { get; set; } = true;

    /// <summary>When set, the redirect names this host (e.g. "localhost") instead of a relative location.</summary>
    public string? RedirectHost { get; set; }

    public bool IgnoreRange { get; set; }

    public bool CorruptBody { get; set; }

    public int? FixedStatus { get; set; }

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    /// <summary>Bytes of file body sent over all responses.</summary>
    public long BodyBytesSent => Interlocked.Read(ref _bodyBytesSent);

    private long _bodyBytesSent;

    /// <summary>The next <paramref name="times"/> file responses stop after <paramref name="bytes"/> body bytes and close the connection.</summary>
    public void CutNext(long bytes, int times = 1)
    {
        CutAfter = bytes;
        _cutsLeft = times;
    }

    public long CutAfter { get; private set; }

    public IEnumerable<RecordedRequest> FileRequests => Requests.Where(r => r.Path.StartsWith("/cdn/", StringComparison.Ordinal));

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var request = await ReadRequestAsync(stream).ConfigureAwait(false);
                if (request is null)
                {
                    return;
                }

                Requests.Enqueue(request);
                await RespondAsync(stream, request).ConfigureAwait(false);
            }
            catch (IOException)
            {
            }
        }
    }

    private async Task RespondAsync(NetworkStream stream, RecordedRequest request)
    {
        if (FixedStatus is int status)
        {
            await WriteHeadAsync(stream, status, [], 0).ConfigureAwait(false);
            return;
        }

        var resolve = $"/{Repository}/resolve/main/{FileName}";
        if (request.Path == resolve)
        {
            var location = RedirectHost is null ? $"/cdn/{FileName}" : $"http://{RedirectHost}:{Endpoint.Port}/cdn/{FileName}";
            var headers = new List<string> { $"Location: {location}", $"X-Linked-Size: {Content.Length}" };
            if (SendLinkedETag)
            {
                headers.Add($"X-Linked-ETag: \"{LinkedETag ?? Sha256}\"");
            }

            await WriteHeadAsync(stream, 302, headers, 0).ConfigureAwait(false);
            return;
        }

        if (request.Path != $"/cdn/{FileName}")
        {
            await WriteHeadAsync(stream, 404, [], 0).ConfigureAwait(false);
            return;
        }

        long from = 0;
        var partial = false;
        if (!IgnoreRange && request.Range is { } range && range.StartsWith("bytes=", StringComparison.Ordinal) && range.EndsWith('-')
            && (request.IfRange is null || request.IfRange == ETag))
        {
            from = long.Parse(range[6..^1], CultureInfo.InvariantCulture);
            partial = true;
            if (from >= Content.Length)
            {
                await WriteHeadAsync(stream, 416, [$"Content-Range: bytes */{Content.Length}"], 0).ConfigureAwait(false);
                return;
            }
        }

        var length = Content.Length - from;
        var head = new List<string> { $"ETag: {ETag}", "Accept-Ranges: bytes" };
        if (partial)
        {
            head.Add($"Content-Range: bytes {from}-{Content.Length - 1}/{Content.Length}");
        }

        await WriteHeadAsync(stream, partial ? 206 : 200, head, length).ConfigureAwait(false);
        var body = Content.AsMemory((int)from);
        if (CorruptBody)
        {
            var copy = body.ToArray();
            copy[copy.Length / 2] ^= 0xFF;
            body = copy;
        }

        if (Interlocked.Decrement(ref _cutsLeft) >= 0)
        {
            body = body[..(int)Math.Min(body.Length, CutAfter)];
        }

        await stream.WriteAsync(body).ConfigureAwait(false);
        Interlocked.Add(ref _bodyBytesSent, body.Length);
        await stream.FlushAsync().ConfigureAwait(false);
    }

    private static async Task WriteHeadAsync(NetworkStream stream, int status, IEnumerable<string> headers, long contentLength)
    {
        var text = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"HTTP/1.1 {status} {ReasonPhrase(status)}\r\n")
            .Append(CultureInfo.InvariantCulture, $"Content-Length: {contentLength}\r\n")
            .Append("Connection: close\r\n");
        foreach (var header in headers)
        {
            text.Append(header).Append("\r\n");
        }

        text.Append("\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(text.ToString())).ConfigureAwait(false);
    }

    private static string ReasonPhrase(int status) => status switch
    {
        200 => "OK",
        206 => "Partial Content",
        302 => "Found",
        401 => "Unauthorized",
        404 => "Not Found",
        416 => "Range Not Satisfiable",
        _ => "Status",
    };

    private static async Task<RecordedRequest?> ReadRequestAsync(NetworkStream stream)
    {
        var buffer = new byte[16 * 1024];
        var used = 0;
        while (used < buffer.Length)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(used)).ConfigureAwait(false);
            if (read == 0)
            {
                return null;
            }

            used += read;
            var text = Encoding.ASCII.GetString(buffer, 0, used);
            var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end < 0)
            {
                continue;
            }

            var lines = text[..end].Split("\r\n");
            var parts = lines[0].Split(' ');
            var headers = lines.Skip(1)
                .Select(l => l.Split(':', 2))
                .Where(p => p.Length == 2)
                .GroupBy(p => p[0].Trim(), StringComparer.OrdinalIgnoreCase)
                .ToDictionary(g => g.Key, g => g.First()[1].Trim(), StringComparer.OrdinalIgnoreCase);
            return new RecordedRequest(parts[0], Uri.UnescapeDataString(parts[1]), headers.GetValueOrDefault("Range"), headers.GetValueOrDefault("If-Range"), headers.GetValueOrDefault("Authorization"));
        }

        return null;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        try
        {
            _acceptLoop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }

        _stop.Dispose();
    }
}

public sealed record RecordedRequest(string Method, string Path, string? Range, string? IfRange, string? Authorization);
