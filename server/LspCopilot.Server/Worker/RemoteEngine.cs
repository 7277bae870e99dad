using System.Collections.Concurrent;
using LspCopilot.Completion;
using LspCopilot.Completion.Chat;
using StreamJsonRpc;

namespace LspCopilot.Server.Worker;

/// <summary>
/// An engine in another process, reached over one JSON-RPC connection (<see cref="WorkerMethods"/>).
/// Streamed text (of completions and chats) arrives as notifications, handled in arrival order; a request's
/// stopper runs here (stoppers are code) and tells the worker where to stop. When the connection drops,
/// every running request fails at once with <see cref="EngineCrashedException"/>. Every message from the
/// worker counts as progress (<see cref="IProgressSource"/>), so a supervisor can tell a busy worker from a stuck one.
/// </summary>
public sealed class RemoteEngine : ICompletionEngine, IChatEngine, IProgressSource
{
    private readonly JsonRpc _rpc;
    private readonly ActivityStream _receive;
    private readonly ServerLog _log;
    private readonly ConcurrentDictionary<long, Pending> _pending = new();
    private WorkerInfo _info = new("(not loaded)", FimLayout.PrefixOnly, 0, 0);
    private long _nextId;
    private int _outstanding;

    /// <param name="readOnOwnThread">
    /// Read the worker's messages on a thread of our own with blocking reads (<see cref="DedicatedReader"/>): for a
    /// child's pipe, which ends when the child does. A connection that may never end on its own (a socket, an
    /// in-memory stream) is read asynchronously.
    /// </param>
    public RemoteEngine(Stream send, Stream receive, ServerLog log, bool readOnOwnThread = false)
    {
        _log = log;
        _receive = new ActivityStream(receive);
        _rpc = WorkerRpc.Create(send, _receive, workerSide: false, reader: readOnOwnThread ? DedicatedReader.Start(_receive, "lspcopilot worker reader") : null);

        // Text notifications must be applied in the order they were sent (each one is a change to the last): the
        // read loop handles them one by one, on its own thread, with no hop per message (issue 14 §1).
        _rpc.SynchronizationContext = new InlineSynchronizationContext();
        _rpc.AddLocalRpcTarget(new Callbacks(this), new JsonRpcTargetOptions { UseSingleObjectParameterDeserialization = true });
        _rpc.StartListening();
    }

    public string ModelName => _info.ModelName;

    public FimLayout Fim => _info.Fim;

    public int ContextSize => _info.ContextSize;

    public WorkerInfo Info => _info;

    public string? ChatLayout => _info.ChatLayout;

    /// <summary>Calls sent to the worker and not answered yet.</summary>
    public int Outstanding => Volatile.Read(ref _outstanding);

    /// <summary>Reads of the worker's messages so far: grows while the worker answers, streams or says it is alive.</summary>
    public long Progress => _receive.Reads;

    /// <summary>Completes when the connection closes (the worker exited, or either side disposed it).</summary>
    public Task Completion => _rpc.Completion;

    /// <summary>Asks the worker to load the model (or returns the model it already serves).</summary>
    public async Task<WorkerInfo> LoadAsync(EngineOptions options, CancellationToken cancellationToken)
    {
        try
        {
            _info = await _rpc.InvokeWithParameterObjectAsync<WorkerInfo>(WorkerMethods.Load, new WorkerLoadParams(options), cancellationToken).ConfigureAwait(false);
            return _info;
        }
        catch (RemoteInvocationException ex)
        {
            throw Translate(ex, cancellationToken);
        }
        catch (Exception ex) when (IsLost(ex))
        {
            throw new EngineCrashedException("The inference worker stopped while loading the model.", ex);
        }
    }

    /// <summary>
    /// Counts with the worker's tokenizer, the whole batch in one round trip. When the worker is gone
    /// (or fails) the caller gets estimates (4 characters a token): budgeting must never fail a
    /// keystroke; the completion that follows reports the crash.
    /// </summary>
    public async Task<IReadOnlyList<int>> CountTokensAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken)
    {
        if (texts.Count == 0)
        {
            return [];
        }

        try
        {
            var counts = await InvokeAsync<int[]>(WorkerMethods.CountTokens, new WorkerCountParams(texts), cancellationToken).ConfigureAwait(false);
            if (counts.Length == texts.Count)
            {
                return counts;
            }

            _log.Debug($"The worker counted {counts.Length} texts of {texts.Count}; estimating.");
        }
        catch (RemoteInvocationException ex) when (ex.ErrorCode == WorkerErrorCodes.Cancelled && cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(ex.Message, ex, cancellationToken);
        }
        catch (Exception ex) when (IsLost(ex) || ex is RemoteInvocationException)
        {
            _log.Debug($"The worker could not count tokens ({ex.Message}); estimating.");
        }

        return [.. texts.Select(TokenEstimate.Count)];
    }

    /// <summary>Tells the worker's result cache which answer the user was shown; a lost worker has no cache to correct.</summary>
    public async Task RememberAsync(CompletionRequest request, string text, CancellationToken cancellationToken)
    {
        var wire = new WorkerRememberParams(request.Prefix, request.Suffix, request.Mode, text) { Context = request.Context, Generation = request.Generation };
        try
        {
            await InvokeAsync<object?>(WorkerMethods.Remember, wire, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsLost(ex) || ex is RemoteInvocationException)
        {
            _log.Debug($"The worker could not remember the chosen suggestion: {ex.Message}");
        }
    }

    public async Task<CompletionResult> CompleteAsync(CompletionRequest request, Action<string>? onText, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var id = Interlocked.Increment(ref _nextId);
        var trace = request.Trace;
        var pending = new Pending(this, id, trace is null ? onText : text =>
        {
            trace.Mark(LatencyTrace.Stages.FirstTextFromWorker);
            onText?.Invoke(text);
        }, request.Stopper);
        _pending[id] = pending;
        var wire = new WorkerCompleteParams(id, request.Prefix, request.Suffix, request.Mode)
        {
            Context = request.Context,
            Generation = request.Generation,
            ClientId = request.ClientId,
            Stream = onText is not null || request.Stopper is not null,
            Stoppable = request.Stopper is not null,
            Trace = request.Trace is not null,
        };

        try
        {
            var result = await InvokeAsync<WorkerCompleteResult>(WorkerMethods.Complete, wire, cancellationToken).ConfigureAwait(false);
            request.Trace?.Merge(result.TraceMarks, result.TraceCounts);
            return pending.Finish(result);
        }
        catch (RemoteInvocationException ex)
        {
            throw Translate(ex, cancellationToken);
        }
        catch (Exception ex) when (IsLost(ex))
        {
            throw new EngineCrashedException("The connection to the inference worker was lost.", ex);
        }
        finally
        {
            pending.Close();
            _pending.TryRemove(id, out _);
        }
    }

    public async Task<ChatResult> ChatAsync(ChatRequest request, Action<string>? onText, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var id = Interlocked.Increment(ref _nextId);
        var pending = new Pending(this, id, onText, stopper: null);
        _pending[id] = pending;
        var wire = new WorkerChatParams(id, request.Messages)
        {
            Generation = request.Generation,
            ConversationId = request.ConversationId,
            ClientId = request.ClientId,
            Stream = onText is not null,
        };

        try
        {
            var result = await InvokeAsync<WorkerChatResult>(WorkerMethods.Chat, wire, cancellationToken).ConfigureAwait(false);
            pending.Finish(result.Text);
            return result.ToResult();
        }
        catch (RemoteInvocationException ex)
        {
            throw Translate(ex, cancellationToken);
        }
        catch (Exception ex) when (IsLost(ex))
        {
            throw new EngineCrashedException("The connection to the inference worker was lost.", ex);
        }
        finally
        {
            pending.Close();
            _pending.TryRemove(id, out _);
        }
    }

    /// <summary>Tells the worker to forget a conversation; a lost worker has nothing to forget.</summary>
    public async Task EndConversationAsync(string conversationId, CancellationToken cancellationToken)
    {
        try
        {
            await InvokeAsync<object?>(WorkerMethods.EndConversation, new WorkerEndConversationParams(conversationId), cancellationToken).ConfigureAwait(false);
        }
        catch (RemoteInvocationException ex) when (ex.ErrorCode == WorkerErrorCodes.Cancelled && cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(ex.Message, ex, cancellationToken);
        }
        catch (Exception ex) when (IsLost(ex) || ex is RemoteInvocationException)
        {
            _log.Debug($"The worker could not end conversation {conversationId}: {ex.Message}");
        }
    }

    /// <summary>
    /// Whether <paramref name="ex"/> means the connection to the worker is gone: closed, disposed, or a write that met a
    /// broken pipe (the worker — or ssh that could not reach its host — ended before the message was written).
    /// </summary>
    private static bool IsLost(Exception ex) => ex is ConnectionLostException or ObjectDisposedException or IOException;

    /// <summary>A call to the worker, counted in <see cref="Outstanding"/> until its answer (or the connection's end).</summary>
    private async Task<T> InvokeAsync<T>(string method, object parameters, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _outstanding);
        try
        {
            return await _rpc.InvokeWithParameterObjectAsync<T>(method, parameters, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _outstanding);
        }
    }

    private static Exception Translate(RemoteInvocationException ex, CancellationToken cancellationToken) => ex.ErrorCode switch
    {
        WorkerErrorCodes.Cancelled => cancellationToken.IsCancellationRequested ? new OperationCanceledException(ex.Message, ex, cancellationToken) : new OperationCanceledException(ex.Message, ex),
        WorkerErrorCodes.Busy => new EngineBusyException(ex.Message, ex),
        WorkerErrorCodes.Stalled => new EngineStalledException(ex.Message, ex),
        WorkerErrorCodes.ModelUnavailable => new ModelLoadException(ex.Message, ex),
        WorkerErrorCodes.TooLong => new PromptTooLongException(ex.Message, ex),
        _ => new InvalidOperationException("The inference worker failed: " + ex.Message, ex),
    };

    private void OnText(WorkerTextParams text)
    {
        if (_pending.TryGetValue(text.RequestId, out var pending))
        {
            pending.Apply(text);
        }
    }

    private void SendStop(long id, int keep)
    {
        _ = StopAsync();

        async Task StopAsync()
        {
            try
            {
                await _rpc.NotifyWithParameterObjectAsync(WorkerMethods.Stop, new WorkerStopParams(id, keep)).ConfigureAwait(false);
            }
            catch (Exception ex) when (IsLost(ex))
            {
                // The request fails through its own call.
            }
        }
    }

    public void Dispose() => _rpc.Dispose();

    /// <summary>The client's view of one running completion: its text, its stopper, its listener.</summary>
    private sealed class Pending(RemoteEngine owner, long id, Action<string>? onText, ICompletionStopper? stopper)
    {
        private readonly object _lock = new();
        private string _text = string.Empty;
        private string? _delivered;
        private int? _keep;
        private bool _closed;

        public void Apply(WorkerTextParams change)
        {
            lock (_lock)
            {
                if (_closed || _keep is not null)
                {
                    return;
                }

                var start = Math.Clamp(change.Start, 0, _text.Length);
                _text = string.Concat(_text.AsSpan(0, start), change.Text);
                if (stopper?.FindStop(_text) is int keep)
                {
                    _keep = Math.Clamp(keep, 0, _text.Length);
                    owner.SendStop(id, _keep.Value);
                    Deliver(_text[.._keep.Value]);
                    return;
                }

                Deliver(_text);
            }
        }

        /// <summary>The final result; the stopper's decision holds even if the worker ended first.</summary>
        public CompletionResult Finish(WorkerCompleteResult result)
        {
            lock (_lock)
            {
                _closed = true;
                var text = result.Text;
                var reason = result.Reason;
                var keep = _keep ?? (reason == StopReason.Stopper ? null : stopper?.FindStop(text));
                if (keep is int k && k < text.Length)
                {
                    text = text[..Math.Max(0, k)];
                    reason = StopReason.Stopper;
                }

                if (_delivered is null || !string.Equals(_delivered, text, StringComparison.Ordinal))
                {
                    Deliver(text);
                }

                return result.ToResult(text, reason);
            }
        }

        /// <summary>The final text of a request without a stopper (a chat): delivered unless it already was.</summary>
        public void Finish(string text)
        {
            lock (_lock)
            {
                _closed = true;
                if (!string.Equals(_delivered, text, StringComparison.Ordinal))
                {
                    Deliver(text);
                }
            }
        }

        public void Close()
        {
            lock (_lock)
            {
                _closed = true;
            }
        }

        private void Deliver(string text)
        {
            _delivered = text;
            onText?.Invoke(text);
        }
    }

    /// <summary>The notifications a worker may send; nothing else of the engine is reachable over the wire.</summary>
    private sealed class Callbacks(RemoteEngine owner)
    {
        [JsonRpcMethod(WorkerMethods.Text)]
        public void Text(WorkerTextParams text) => owner.OnText(text);

        /// <summary>Nothing to do: its arrival is the progress (<see cref="Progress"/>).</summary>
        [JsonRpcMethod(WorkerMethods.Alive)]
        public void Alive()
        {
        }
    }
}
