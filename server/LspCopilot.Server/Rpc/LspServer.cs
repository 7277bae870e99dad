using LspCopilot.Completion;
using LspCopilot.Server.Documents;
using LspCopilot.Server.Handlers;
using LspCopilot.Server.Hosting;
using LspCopilot.Server.Protocol;
using LspCopilot.Server.Stats;
using Microsoft.VisualStudio.Threading;
using StreamJsonRpc;

namespace LspCopilot.Server.Rpc;

/// <summary>Runs one LSP session over a pair of streams until 'exit' or end of input.</summary>
public sealed class LspServer
{
    private readonly ModelHost _model;
    private readonly ServerLog _log;
    private readonly GenerationOptions _generation;
    private readonly Func<LspSession, ICompletionContextProvider> _contexts;

    private readonly bool _ownsLogSink;
    private readonly DocumentLimits _documents;
    private readonly DocumentBudget _serverDocuments;
    private readonly StatsStore? _stats;

    /// <param name="ownsLogSink">False when several sessions share one log (TCP): logs then stay on stderr and are not mirrored to one client.</param>
    /// <param name="documents">Bounds on the open documents' text (default <see cref="DocumentLimits.Default"/>).</param>
    /// <param name="serverDocuments">The process's budget when several servers share it (TCP); else this server's own.</param>
    /// <param name="stats">Where acceptance statistics go (default: the user's state folder, <see cref="StatsStore.User"/>).</param>
    public LspServer(ModelHost model, ServerLog log, GenerationOptions? generation = null, Func<LspSession, ICompletionContextProvider>? contexts = null, bool ownsLogSink = true, DocumentLimits? documents = null, DocumentBudget? serverDocuments = null, StatsStore? stats = null)
    {
        _stats = stats;
        _ownsLogSink = ownsLogSink;
        _documents = documents ?? DocumentLimits.Default;
        _serverDocuments = serverDocuments ?? DocumentBudget.ForServer(_documents);
        _model = model;
        _log = log;
        _generation = generation ?? new GenerationOptions();
        // C# documents get Roslyn's gate and context; other languages fall back to the text gate inside it.
        _contexts = contexts ?? (session => Composition.ContextsFor(session));
    }

    /// <summary>Serves until the client sends 'exit' (0 after shutdown, else 1) or the input ends (1, or 0 after shutdown).</summary>
    public async Task<int> RunAsync(Stream input, Stream output, CancellationToken cancellationToken = default)
    {
        var formatter = new LspJsonFormatter();
        var handler = new LspMessageHandler(output, new FramingGuardStream(input), formatter);
        using var rpc = new LspJsonRpc(handler, _log)
        {
            CancelLocallyInvokedMethodsWhenConnectionIsClosed = true,
            // Handlers run one at a time up to their first await, in arrival order, so a didChange is
            // applied before a later request captures its snapshot.
            SynchronizationContext = new NonConcurrentSynchronizationContext(sticky: false),
        };

        using var session = new LspSession(rpc, _model, _generation, _contexts, _log, DocumentBudget.ForSession(_documents, _serverDocuments), _stats);
        var targetOptions = new JsonRpcTargetOptions { UseSingleObjectParameterDeserialization = true };
        rpc.AddLocalRpcTarget(new InitializeHandler(session), targetOptions);
        rpc.AddLocalRpcTarget(new InitializedHandler(session), targetOptions);
        rpc.AddLocalRpcTarget(new ShutdownHandler(session), targetOptions);
        rpc.AddLocalRpcTarget(new ExitHandler(session), targetOptions);
        rpc.AddLocalRpcTarget(new DidOpenHandler(session), targetOptions);
        rpc.AddLocalRpcTarget(new DidChangeHandler(session), targetOptions);
        rpc.AddLocalRpcTarget(new DidCloseHandler(session), targetOptions);
        rpc.AddLocalRpcTarget(new InlineCompletionHandler(session), targetOptions);
        rpc.AddLocalRpcTarget(new CompletionHandler(session), targetOptions);
        rpc.AddLocalRpcTarget(new DidChangeWatchedFilesHandler(session), targetOptions);
        rpc.AddLocalRpcTarget(new CodeActionHandler(session), targetOptions);
        rpc.AddLocalRpcTarget(new CodeActionResolveHandler(session), targetOptions);
        rpc.AddLocalRpcTarget(new ExplainHandler(session), targetOptions);
        rpc.AddLocalRpcTarget(new EndConversationHandler(session), targetOptions);
        rpc.AddLocalRpcTarget(new ExecuteCommandHandler(session), targetOptions);
        rpc.AddLocalRpcTarget(new DidShowCompletionHandler(session), targetOptions);
        rpc.AddLocalRpcTarget(new DidPartiallyAcceptCompletionHandler(session), targetOptions);
        rpc.AddLocalRpcTarget(new StatsHandler(session), targetOptions);
        rpc.AddLocalRpcTarget(new MalformedParamsHandler(_log), targetOptions);

        rpc.Disconnected += (_, e) =>
        {
            session.CancelAll();
            if (e.Reason != DisconnectedReason.LocallyDisposed)
            {
                _log.Debug($"Connection closed: {e.Reason} {e.Description}");
            }
        };

        if (_ownsLogSink)
        {
            AttachLogSink(session);
        }

        try
        {
            rpc.StartListening();
            using var registration = cancellationToken.Register(() => rpc.Dispose());
            var finished = await Task.WhenAny(session.Lifecycle.ExitCode, rpc.Completion).ConfigureAwait(false);
            if (finished == session.Lifecycle.ExitCode)
            {
                return await session.Lifecycle.ExitCode.ConfigureAwait(false);
            }

            try
            {
                await rpc.Completion.ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                _log.Warning($"The connection failed: {ex.Message}");
            }

            return session.Lifecycle.State == LifecycleState.ShutDown ? 0 : 1;
        }
        finally
        {
            if (_ownsLogSink)
            {
                _log.AttachClient(null);
            }

            // The session's last statistics reach the disk before the process exits (bounded: never holds up an exit).
            await session.Suggestions.Store.FlushAsync().WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private void AttachLogSink(LspSession session) =>
        _log.AttachClient((level, message) =>
        {
            if (level >= LogLevel.Info && session.Lifecycle.State == LifecycleState.Initialized)
            {
                _ = session.Notify(LspMethods.LogMessage, new LogMessageParams(level switch
                {
                    LogLevel.Error => MessageType.Error,
                    LogLevel.Warning => MessageType.Warning,
                    _ => MessageType.Info,
                }, message));
            }
        });
}
