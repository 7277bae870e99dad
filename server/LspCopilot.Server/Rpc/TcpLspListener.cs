using System.Net.Sockets;
using System.Net;
using LspCopilot.Completion;
using LspCopilot.Server.Documents;
using LspCopilot.Server.Hosting;

namespace LspCopilot.Server.Rpc;

/// <summary>
/// Serves LSP over TCP: each connection is its own session (documents, lifecycle) sharing the one
/// model through the engine's scheduler. A connection must authenticate in its first message when the
/// server has a token; extra connections over <c>maxClients</c> are closed at once. A client that goes
/// away has all its work cancelled; the listener keeps serving the others. The sessions' open
/// documents share one bound (<see cref="DocumentLimits.ServerBytes"/>).
/// </summary>
public sealed class TcpLspListener(TcpEndpoint endpoint, string? token, int maxClients, ModelHost model, GenerationOptions generation, ServerLog log, DocumentLimits? documents = null)
{
    private static readonly TimeSpan s_firstMessageTimeout = TimeSpan.FromSeconds(10);
    private readonly DocumentLimits _documents = documents ?? DocumentLimits.Default;
    private readonly DocumentBudget _serverDocuments = DocumentBudget.ForServer(documents ?? DocumentLimits.Default);
    private int _clients;
    private TcpListener? _listener;

    /// <summary>Connections now being served.</summary>
    public int Clients => Volatile.Read(ref _clients);

    /// <summary>The bound endpoint (the actual port when 0 was asked for).</summary>
    public IPEndPoint? LocalEndpoint => _listener?.LocalEndpoint as IPEndPoint;

    /// <summary>Refuses a non-loopback address without a token, before anything binds.</summary>
    public static void Validate(TcpEndpoint endpoint, string? token)
    {
        if (!endpoint.IsLoopback && string.IsNullOrEmpty(token))
        {
            throw new ArgumentException($"Refusing to listen on {endpoint} without a token: anyone who can reach it could use the model and read what you send. Pass --token-file FILE or set LSPCOPILOT_TOKEN, or listen on 127.0.0.1 and use SSH.");
        }
    }

    public void Start()
    {
        Validate(endpoint, token);
        _listener = new TcpListener(endpoint.Address, endpoint.Port);
        _listener.Start();
        log.Info($"lspcopilot serving LSP over TCP on {_listener.LocalEndpoint}{(token is null ? " (no token)" : " (token required)")}, at most {maxClients} clients.");
    }

    /// <summary>Accepts connections until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (_listener is null)
        {
            Start();
        }

        var sessions = new List<Task>();
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var client = await _listener!.AcceptTcpClientAsync(cancellationToken).ConfigureAwait(false);
                sessions.RemoveAll(t => t.IsCompleted);
                sessions.Add(ServeAsync(client, cancellationToken));
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
        finally
        {
            _listener!.Stop();
            await Task.WhenAll(sessions).ConfigureAwait(false);
        }
    }

    private async Task ServeAsync(TcpClient client, CancellationToken cancellationToken)
    {
        var peer = client.Client.RemoteEndPoint?.ToString() ?? "unknown peer";
        using (client)
        {
            client.NoDelay = true;
            if (Interlocked.Increment(ref _clients) > maxClients)
            {
                Interlocked.Decrement(ref _clients);
                log.Warning($"Refused {peer}: already serving {maxClients} clients (--max-clients).");
                return;
            }

            try
            {
                var (stream, refusal) = await ConnectionGate.AdmitAsync(client.GetStream(), token, s_firstMessageTimeout, cancellationToken).ConfigureAwait(false);
                if (stream is null)
                {
                    log.Warning($"Closed the connection from {peer}: {refusal}.");
                    return;
                }

                log.Info($"Client connected from {peer}.");
                await using (stream.ConfigureAwait(false))
                {
                    var server = new LspServer(model, log, generation, ownsLogSink: false, documents: _documents, serverDocuments: _serverDocuments);
                    var code = await server.RunAsync(stream, stream, cancellationToken).ConfigureAwait(false);
                    log.Info($"Client {peer} disconnected ({(code == 0 ? "after shutdown and exit" : "without shutdown")}).");
                }
            }
            catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
            {
                log.Info($"Client {peer} dropped: {ex.Message}");
            }
            finally
            {
                Interlocked.Decrement(ref _clients);
            }
        }
    }
}
