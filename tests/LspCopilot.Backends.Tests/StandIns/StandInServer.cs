using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LspCopilot.Backends.Tests.StandIns;

/// <summary>A request as the stand-in received it.</summary>
public sealed record RecordedRequest(string Method, string Path, string Body, string? Authorization)
{
    public JsonElement Json => Body.Length == 0 ? default : JsonDocument.Parse(Body).RootElement.Clone();
}

/// <summary>
/// A model server stand-in on 127.0.0.1 (Kestrel, minimal APIs): the routes a test maps, every request recorded,
/// and the number of requests in progress counted — the most at once tells whether superseded requests were aborted.
/// </summary>
public sealed class StandInServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, int[]> _byPath = new();
    private readonly ConcurrentDictionary<HttpContext, (string Path, Socket? Socket)> _open = new();
    private readonly ConcurrentDictionary<string, int> _maxOpen = new();
    private readonly ConcurrentDictionary<string, int> _completed = new();
    private int _inFlight;
    private int _maxInFlight;
    private long _bytesSent;

    private StandInServer(WebApplication app) => _app = app;

    public Uri Endpoint { get; private set; } = null!;

    /// <summary>The base URL as --endpoint takes it (no trailing slash).</summary>
    public string Url => Endpoint.ToString().TrimEnd('/');

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    /// <summary>Each request's path, start and end (milliseconds), how it ended and its connection: for messages of failed tests.</summary>
    public ConcurrentQueue<string> Timeline { get; } = new();

    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>The most requests that were in progress at once (the handler running and the client not known to be gone).</summary>
    public int MaxInFlight => Volatile.Read(ref _maxInFlight);

    /// <summary>The most requests to <paramref name="path"/> that were in progress at once.</summary>
    public int MaxInFlightOf(string path) => _byPath.TryGetValue(path, out var counts) ? Volatile.Read(ref counts[1]) : 0;

    /// <summary>
    /// The most requests to <paramref name="path"/> whose connections the client held open at once: when a request
    /// arrives, each earlier one still in progress counts unless its client has already closed the connection (read off
    /// the socket then, so it does not depend on how soon Kestrel notices).
    /// </summary>
    public int MaxOpenOf(string path) => _maxOpen.GetValueOrDefault(path);

    /// <summary>Requests to <paramref name="path"/> whose answers were sent to the end (not aborted by the client).</summary>
    public int CompletedOf(string path) => _completed.GetValueOrDefault(path);

    /// <summary>When set, every request is answered with this status (e.g. 502: a proxy whose server is gone).</summary>
    public int? ForcedStatus { get; set; }

    /// <summary>Bytes written by <see cref="WriteAsync"/> over all responses.</summary>
    public long BytesSent => Interlocked.Read(ref _bytesSent);

    public IEnumerable<RecordedRequest> To(string path) => Requests.Where(r => r.Path == path);

    public static async Task<StandInServer> StartAsync(Action<WebApplication, StandInServer> map)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new StandInServer(app);
        app.Use(async (context, next) =>
        {
            context.Request.EnableBuffering();
            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8, leaveOpen: true);
            var body = await reader.ReadToEndAsync(context.RequestAborted);
            context.Request.Body.Position = 0;
            var recorded = new RecordedRequest(context.Request.Method, context.Request.Path.Value ?? "/", body, context.Request.Headers.Authorization.FirstOrDefault());
            context.Items[typeof(RecordedRequest)] = recorded;
            server.Requests.Enqueue(recorded);
            var counts = server._byPath.GetOrAdd(recorded.Path, _ => new int[2]);
            Raise(ref server._maxInFlight, Interlocked.Increment(ref server._inFlight));
            Raise(ref counts[1], Interlocked.Increment(ref counts[0]));

            // A request stops counting when it ends or as soon as Kestrel sees its client gone, whichever comes first.
            var released = 0;
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            void Release()
            {
                if (Interlocked.Exchange(ref released, 1) == 0)
                {
                    server.Timeline.Enqueue($"{recorded.Path} {started / 10000 % 100000} .. {System.Diagnostics.Stopwatch.GetTimestamp() / 10000 % 100000} {(context.RequestAborted.IsCancellationRequested ? "aborted" : "ended")} conn {context.Connection.Id}");
                    Interlocked.Decrement(ref counts[0]);
                    Interlocked.Decrement(ref server._inFlight);
                }
            }

            using var aborted = context.RequestAborted.Register(Release);
            var open = 1 + server._open.Count(o => o.Value.Path == recorded.Path && !ClosedByClient(o.Value.Socket));
            server._maxOpen.AddOrUpdate(recorded.Path, open, (_, max) => Math.Max(max, open));
            server._open[context] = (recorded.Path, context.Features.Get<IConnectionSocketFeature>()?.Socket);
            try
            {
                if (server.ForcedStatus is int status)
                {
                    await JsonAsync(context, status, new { error = "Bad Gateway" });
                    return;
                }

                await next(context);
                if (!context.RequestAborted.IsCancellationRequested)
                {
                    server._completed.AddOrUpdate(recorded.Path, 1, (_, n) => n + 1);
                }
            }
            catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
            {
                // The client went away: what a superseded request does.
            }
            catch (IOException) when (context.RequestAborted.IsCancellationRequested)
            {
            }
            finally
            {
                server._open.TryRemove(context, out _);
                Release();
            }
        });
        map(app, server);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Endpoint = new Uri(address);
        return server;
    }

    /// <summary>Whether the client has closed (or reset) the connection: readable with nothing to read, or gone.</summary>
    private static bool ClosedByClient(Socket? socket)
    {
        try
        {
            return socket is null || (socket.Poll(0, SelectMode.SelectRead) && socket.Available == 0);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            return true;
        }
    }

    private static void Raise(ref int max, int now)
    {
        int seen;
        while (now > (seen = Volatile.Read(ref max)) && Interlocked.CompareExchange(ref max, now, seen) != seen)
        {
        }
    }

    /// <summary>The request being answered, as recorded.</summary>
    public static RecordedRequest Recorded(HttpContext context) => (RecordedRequest)context.Items[typeof(RecordedRequest)]!;

    /// <summary>Writes and flushes <paramref name="text"/> as UTF-8, counting the bytes.</summary>
    public async Task WriteAsync(HttpContext context, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
        Interlocked.Add(ref _bytesSent, bytes.Length);
    }

    /// <summary>Starts a server-sent event stream.</summary>
    public static void BeginSse(HttpContext context)
    {
        context.Response.StatusCode = 200;
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
    }

    /// <summary>Answers a status with a JSON body, as the servers do for errors.</summary>
    public static Task JsonAsync(HttpContext context, int status, object body)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(body, context.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(stop.Token);
        await _app.DisposeAsync();
    }
}
