using System.Net.Sockets;
using System.Net;
using LspCopilot.Completion;

namespace LspCopilot.Server.Worker;

/// <summary>
/// A shared worker's TCP listener: each connection is a language server; after the handshake
/// (<see cref="WorkerHandshake"/>, token checked first) it gets a <see cref="WorkerSession"/> on the
/// one loaded engine. A client that goes away has its requests cancelled; the listener keeps serving.
/// </summary>
public sealed class WorkerListener : IDisposable
{
    private readonly TcpListener _listener;
    private readonly WorkerHost _host;
    private readonly string? _token;
    private readonly ServerLog _log;

    private WorkerListener(TcpListener listener, WorkerHost host, string? token, ServerLog log)
    {
        _listener = listener;
        _host = host;
        _token = token;
        _log = log;
    }

    public IPEndPoint LocalEndpoint => (IPEndPoint)_listener.LocalEndpoint;

    /// <summary>Binds (throws <see cref="SocketException"/> when the address is taken or invalid).</summary>
    public static WorkerListener Bind(IPEndPoint address, WorkerHost host, string? token, ServerLog log)
    {
        var listener = new TcpListener(address);
        listener.Start();
        return new WorkerListener(listener, host, token, log);
    }

    /// <summary>Accepts connections until <paramref name="cancellationToken"/> is cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var connections = new List<Task>();
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var client = await _listener.AcceptTcpClientAsync(cancellationToken).ConfigureAwait(false);
                connections.RemoveAll(t => t.IsCompleted);
                connections.Add(Task.Run(() => ServeAsync(client, cancellationToken), CancellationToken.None));
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }

        await Task.WhenAll(connections).ConfigureAwait(false);
    }

    private async Task ServeAsync(TcpClient client, CancellationToken cancellationToken)
    {
        using (client)
        {
            client.NoDelay = true;
            var peer = client.Client.RemoteEndPoint?.ToString() ?? "a client";
            try
            {
                var stream = client.GetStream();
                if (!await WorkerHandshake.AcceptAsync(stream, _token, _log, peer, cancellationToken).ConfigureAwait(false))
                {
                    return;
                }

                _log.Info($"Language server connected from {peer}.");
                await WorkerSession.RunAsync(_host, stream, stream, _log, cancellationToken).ConfigureAwait(false);
                _log.Info($"Language server at {peer} disconnected.");
            }
            catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
            {
                _log.Debug($"Connection from {peer} ended: {ex.Message}");
            }
        }
    }

    public void Dispose() => _listener.Dispose();
}
