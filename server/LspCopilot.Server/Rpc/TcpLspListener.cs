using System.Net.Sockets;
using System.Net;
using LspCopilot.Completion;
using LspCopilot.Server.Documents;
using LspCopilot.Server.Hosting;

namespace LspCopilot.Server.Rpc;

/// <summary>
/// Serves LSP over TCP: each connection is its own session (documents, lifecycle) sharing the one
/// model through the engine's scheduler. A connection must send <c>initialize</c> (with the token when the
/// server has one) within <see cref="HandshakeTimeout"/>; only then does it take one of the
/// <c>maxClients</c> slots — a client past them gets an error answer and is closed. Connections still in
/// their handshake are capped apart (<c>maxPending</c>, the oldest closed first), so idle connections can
/// neither hold the slots nor starve a client that speaks at once. A client that goes away has all its work
/// cancelled; the listener keeps serving the others. The sessions' open documents share one bound
/// (<see cref="DocumentLimits.ServerBytes"/>).
/// </summary>
public sealed class TcpLspListener(TcpEndpoint endpoint, string? token, int maxClients, ModelHost model, GenerationOptions generation, ServerLog log, DocumentLimits? documents = null, int maxPending = TcpLspListener.DefaultMaxPending)
{
    /// <summary>Connections that may be in their handshake at once.</summary>
    public const int DefaultMaxPending = 16;

    /// <summary>How long a new connection has to send its complete initialize.</summary>
    public static TimeSpan HandshakeTimeout { get; } = TimeSpan.FromSeconds(5);

    private readonly LinkedList<CancellationTokenSource> _pending = new();
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
            var admitted = false;
            try
            {
                Stream? stream;
                string? refusal;
                using (var handshake = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
                {
                    var entry = Enter(handshake);
                    try
                    {
                        (stream, refusal) = await ConnectionGate.AdmitAsync(client.GetStream(), token, HandshakeTimeout, handshake.Token, TakeSlot).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                    {
                        (stream, refusal) = (null, $"closed while waiting for its initialize: more than {maxPending} connections were waiting (the oldest go first)");
                    }
                    finally
                    {
                        Leave(entry);
                    }
                }

                admitted = stream is not null;
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
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // The listener is stopping.
            }
            finally
            {
                if (admitted)
                {
                    Interlocked.Decrement(ref _clients);
                }
            }
        }
    }

    /// <summary>Takes a client slot for a connection that passed its handshake; the refusal says why not.</summary>
    private string? TakeSlot()
    {
        if (Interlocked.Increment(ref _clients) <= maxClients)
        {
            return null;
        }

        Interlocked.Decrement(ref _clients);
        return $"the server already serves {maxClients} clients (--max-clients): try again later, or restart it with a higher --max-clients";
    }

    /// <summary>Registers a connection in its handshake, closing the oldest when too many wait.</summary>
    private LinkedListNode<CancellationTokenSource> Enter(CancellationTokenSource handshake)
    {
        lock (_pending)
        {
            while (_pending.Count >= Math.Max(1, maxPending))
            {
                var oldest = _pending.First!;
                _pending.RemoveFirst();
                oldest.Value.Cancel();
            }

            return _pending.AddLast(handshake);
        }
    }

    private void Leave(LinkedListNode<CancellationTokenSource> entry)
    {
        lock (_pending)
        {
            if (entry.List is not null)
            {
                _pending.Remove(entry);
            }
        }
    }
}
