using System.Collections.Concurrent;
using System.Globalization;
using LspCopilot.Completion;
using LspCopilot.Completion.Chat;
using StreamJsonRpc;

namespace LspCopilot.Server.Worker;

/// <summary>
/// One client connection of a worker: the <c>engine/*</c> methods over the shared <see cref="WorkerHost"/>.
/// Client ids get this connection's id in front, so two language servers sharing the worker take
/// turns on the engine.
/// </summary>
internal sealed class WorkerSession
{
    /// <summary>How long a closed connection waits for the engine to free its clients' cells.</summary>
    private static readonly TimeSpan s_forgetDeadline = TimeSpan.FromSeconds(30);
    private static int s_connections;

    private readonly WorkerHost _host;
    private readonly JsonRpc _rpc;
    private readonly ConcurrentDictionary<long, RemoteStopper> _stoppers = new();

    private WorkerSession(WorkerHost host, JsonRpc rpc)
    {
        _host = host;
        _rpc = rpc;
    }

    public string Id { get; } = "c" + Interlocked.Increment(ref s_connections).ToString(CultureInfo.InvariantCulture);

    /// <summary>What every client id of this connection starts with.</summary>
    private string ClientIdPrefix => Id + "/";

    /// <summary>Serves one connection until it closes; its running requests are cancelled then.</summary>
    public static async Task RunAsync(WorkerHost host, Stream send, Stream receive, ServerLog log, CancellationToken cancellationToken)
    {
        using var rpc = WorkerRpc.Create(send, receive, workerSide: true, log);
        var session = new WorkerSession(host, rpc);
        rpc.AddLocalRpcTarget(new Target(session), new JsonRpcTargetOptions { UseSingleObjectParameterDeserialization = true });
        rpc.StartListening();
        log.Debug($"Worker connection {session.Id} open.");
        using var registration = cancellationToken.Register(rpc.Dispose);
        using var closing = new CancellationTokenSource();
        var heartbeat = session.SayAliveAsync(closing.Token);
        try
        {
            await rpc.Completion.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            log.Debug($"Worker connection {session.Id} failed: {ex.Message}");
        }

        await closing.CancelAsync().ConfigureAwait(false);
        await heartbeat.ConfigureAwait(false);
        await session.ForgetClientsAsync(log, cancellationToken).ConfigureAwait(false);

        log.Debug($"Worker connection {session.Id} closed.");
    }

    /// <summary>
    /// Lets the engine forget what it kept for this connection's clients (their KV sequences): nobody else's prompts
    /// start with them, and the cells serve the connections still open. Bounded, so a stuck engine never holds the
    /// connection's task for long (its watchdog deals with the engine).
    /// </summary>
    private async Task ForgetClientsAsync(ServerLog log, CancellationToken cancellationToken)
    {
        if (_host.Engine is not IClientMemory memory)
        {
            return;
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(s_forgetDeadline);
        try
        {
            await memory.ForgetClientsAsync(ClientIdPrefix, deadline.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
        {
            log.Debug($"Worker connection {Id}: its clients' cache was not freed ({ex.GetType().Name}); it is evicted when room is needed.");
        }
    }

    /// <summary>The engine's id of a client of this connection: the connection's id in front, so two connections never share one.</summary>
    private string ClientIdOf(string? client) => ClientIdPrefix + client;

    /// <summary>
    /// Once a second, tells the client the engine is alive — only when it made progress since the last
    /// time, so a stuck engine goes quiet and the client's watchdog sees the stall.
    /// </summary>
    private async Task SayAliveAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        long said = -1;
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                if (_host.Engine is IProgressSource engine && engine.Progress is var now && now != said)
                {
                    said = now;
                    await _rpc.NotifyAsync(WorkerMethods.Alive).ConfigureAwait(false);
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or ConnectionLostException or IOException)
        {
            // The connection is closing.
        }
    }

    private async Task<WorkerInfo> LoadAsync(WorkerLoadParams parameters)
    {
        var engine = await _host.LoadAsync(parameters.Options).ConfigureAwait(false);
        return InfoOf(engine);
    }

    private WorkerInfo Info() => InfoOf(RequireEngine());

    private Task<IReadOnlyList<int>> CountTokensAsync(WorkerCountParams parameters, CancellationToken cancellationToken) =>
        RequireEngine().CountTokensAsync(parameters.Texts ?? [], cancellationToken);

    private Task RememberAsync(WorkerRememberParams p, CancellationToken cancellationToken)
    {
        var request = new CompletionRequest(p.Prefix, p.Suffix, p.Mode) { Context = p.Context, Generation = p.Generation };
        return RequireEngine().RememberAsync(request, p.Text, cancellationToken);
    }

    private async Task<WorkerCompleteResult> CompleteAsync(WorkerCompleteParams p, CancellationToken cancellationToken)
    {
        var engine = RequireEngine();
        var pump = p.Stream
            ? new TextPump((start, text) => _rpc.NotifyWithParameterObjectAsync(WorkerMethods.Text, new WorkerTextParams(p.RequestId, start, text)))
            : null;
        var stopper = p.Stoppable ? new RemoteStopper() : null;
        if (stopper is not null)
        {
            _stoppers[p.RequestId] = stopper;
        }

        LatencyTrace? trace = null;
        if (p.Trace)
        {
            trace = new LatencyTrace();
            trace.Mark(LatencyTrace.Stages.WorkerReceived);
        }

        var request = new CompletionRequest(p.Prefix, p.Suffix, p.Mode)
        {
            Context = p.Context,
            Generation = p.Generation,
            Stopper = stopper,
            ClientId = ClientIdOf(p.ClientId),
            Trace = trace,
        };

        try
        {
            var result = await engine.CompleteAsync(request, _host.WithTestHook(p.Prefix, pump is null ? null : pump.Post), cancellationToken).ConfigureAwait(false);
            if (pump is not null)
            {
                // Every streamed text goes out before the response that ends the request.
                await pump.FlushAsync().ConfigureAwait(false);
            }

            return trace is null
                ? WorkerCompleteResult.From(result)
                : WorkerCompleteResult.From(result) with { TraceMarks = trace.Marks, TraceCounts = trace.CountValues };
        }
        catch (EngineStalledException ex)
        {
            _host.ReportStall(ex);
            throw;
        }
        finally
        {
            _stoppers.TryRemove(p.RequestId, out _);
        }
    }

    private async Task<WorkerChatResult> ChatAsync(WorkerChatParams p, CancellationToken cancellationToken)
    {
        var engine = RequireEngine() as IChatEngine ?? throw new NotSupportedException("This worker's engine cannot chat.");
        var pump = p.Stream
            ? new TextPump((start, text) => _rpc.NotifyWithParameterObjectAsync(WorkerMethods.Text, new WorkerTextParams(p.RequestId, start, text)))
            : null;
        var request = new ChatRequest(p.Messages ?? [])
        {
            Generation = p.Generation ?? new GenerationOptions(),
            ConversationId = ConversationOf(p.ConversationId),
            ClientId = ClientIdOf(p.ClientId),
        };

        try
        {
            var result = await engine.ChatAsync(request, pump is null ? null : pump.Post, cancellationToken).ConfigureAwait(false);
            if (pump is not null)
            {
                await pump.FlushAsync().ConfigureAwait(false);
            }

            return WorkerChatResult.From(result);
        }
        catch (EngineStalledException ex)
        {
            _host.ReportStall(ex);
            throw;
        }
    }

    private Task EndConversationAsync(WorkerEndConversationParams p, CancellationToken cancellationToken) =>
        RequireEngine() is IChatEngine chat && ConversationOf(p.ConversationId) is { } id ? chat.EndConversationAsync(id, cancellationToken) : Task.CompletedTask;

    /// <summary>Conversation ids are the client's: two servers sharing this worker never continue each other's.</summary>
    private string? ConversationOf(string? conversationId) => conversationId is null ? null : Id + "/" + conversationId;

    private void Stop(WorkerStopParams parameters)
    {
        if (_stoppers.TryGetValue(parameters.RequestId, out var stopper))
        {
            stopper.Stop(parameters.Keep);
        }
    }

    private ICompletionEngine RequireEngine() =>
        _host.Engine ?? throw new ModelLoadException("The worker has no model loaded yet: send engine/load first.");

    private static WorkerInfo InfoOf(ICompletionEngine engine) =>
        new(engine.ModelName, engine.Fim, engine.ContextSize, Environment.ProcessId) { ChatLayout = (engine as IChatEngine)?.ChatLayout };

    /// <summary>The methods a client may call; nothing else of the session is reachable over the wire.</summary>
    private sealed class Target(WorkerSession session)
    {
        [JsonRpcMethod(WorkerMethods.Load)]
        public Task<WorkerInfo> LoadAsync(WorkerLoadParams parameters) => session.LoadAsync(parameters);

        [JsonRpcMethod(WorkerMethods.Info)]
        public WorkerInfo Info() => session.Info();

        [JsonRpcMethod(WorkerMethods.CountTokens)]
        public Task<IReadOnlyList<int>> CountTokensAsync(WorkerCountParams parameters, CancellationToken cancellationToken) =>
            session.CountTokensAsync(parameters, cancellationToken);

        [JsonRpcMethod(WorkerMethods.Remember)]
        public Task RememberAsync(WorkerRememberParams parameters, CancellationToken cancellationToken) =>
            session.RememberAsync(parameters, cancellationToken);

        [JsonRpcMethod(WorkerMethods.Complete)]
        public Task<WorkerCompleteResult> CompleteAsync(WorkerCompleteParams parameters, CancellationToken cancellationToken) =>
            session.CompleteAsync(parameters, cancellationToken);

        [JsonRpcMethod(WorkerMethods.Chat)]
        public Task<WorkerChatResult> ChatAsync(WorkerChatParams parameters, CancellationToken cancellationToken) =>
            session.ChatAsync(parameters, cancellationToken);

        [JsonRpcMethod(WorkerMethods.EndConversation)]
        public Task EndConversationAsync(WorkerEndConversationParams parameters, CancellationToken cancellationToken) =>
            session.EndConversationAsync(parameters, cancellationToken);

        [JsonRpcMethod(WorkerMethods.Stop)]
        public void Stop(WorkerStopParams parameters) => session.Stop(parameters);
    }
}
