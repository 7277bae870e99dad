using System.Collections.Concurrent;
using LspCopilot.Server.Configuration;
using LspCopilot.Server.Inference;
using LspCopilot.Server.Logging;
using Microsoft.VisualStudio.Threading;
using StreamJsonRpc;

namespace LspCopilot.Server.Worker;

/// <summary>
/// An engine in another process, reached over one JSON-RPC connection (<see cref="WorkerMethods"/>).
/// Streamed text arrives as notifications, handled in arrival order; a request's stopper runs here
/// (stoppers are code) and tells the worker where to stop. When the connection drops, every running
/// request fails at once with <see cref="WorkerCrashedException"/>.
/// </summary>
public sealed class RemoteEngine : ICompletionEngine
{
    /// <summary>The longest one <see cref="CountTokens"/> call waits for the worker before it estimates.</summary>
    public static readonly TimeSpan CountWait = TimeSpan.FromMilliseconds(5);

    /// <summary>The most <see cref="CountTokens"/> calls wait for the worker in all, per second.</summary>
    public static readonly TimeSpan CountWaitPerSecond = TimeSpan.FromMilliseconds(20);

    private const int MaxCachedCounts = 4096;

    private readonly JsonRpc _rpc;
    private readonly ServerLog _log;
    private readonly ConcurrentDictionary<long, Pending> _pending = new();
    private readonly ConcurrentDictionary<string, int> _counts = new(StringComparer.Ordinal);
    private WorkerInfo _info = new("(not loaded)", FimLayout.PrefixOnly, 0, 0);
    private readonly WaitBudget _countBudget = new();
    private long _nextId;

    public RemoteEngine(Stream send, Stream receive, ServerLog log)
    {
        _log = log;
        _rpc = WorkerRpc.Create(send, receive, workerSide: false);

        // Text notifications must be applied in the order they were sent (each one is a change to the last).
        _rpc.SynchronizationContext = new NonConcurrentSynchronizationContext(sticky: false);
        _rpc.AddLocalRpcTarget(new Callbacks(this), new JsonRpcTargetOptions { UseSingleObjectParameterDeserialization = true });
        _rpc.StartListening();
    }

    public string ModelName => _info.ModelName;

    public FimLayout Fim => _info.Fim;

    public int ContextSize => _info.ContextSize;

    public WorkerInfo Info => _info;

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
        catch (Exception ex) when (ex is ConnectionLostException or ObjectDisposedException)
        {
            throw new WorkerCrashedException("The inference worker stopped while loading the model.", ex);
        }
    }

    /// <summary>
    /// Counts with the worker's tokenizer. The interface is synchronous (context budgeting calls it
    /// dozens of times per request), so the wait is bounded: at most <see cref="CountWait"/> per call
    /// (a round trip is well under a millisecond on an idle machine, several on a busy one) and at most
    /// <see cref="CountWaitPerSecond"/> in all each second; past that the caller gets an estimate
    /// (4 characters a token) and the exact count still lands in the cache for next time. Never
    /// throws: the worker may be gone.
    /// </summary>
    public int CountTokens(string text)
    {
        if (text.Length == 0)
        {
            return 0;
        }

        if (_counts.TryGetValue(text, out var cached))
        {
            return cached;
        }

        try
        {
            var call = _rpc.InvokeWithParameterObjectAsync<int>(WorkerMethods.CountTokens, new WorkerCountParams(text));
            _ = call.ContinueWith(
                (done, state) => ((RemoteEngine)state!).Remember(text, done),
                this,
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
            if (_countBudget.TryWait(call, CountWait, CountWaitPerSecond))
            {
                return call.Result;
            }
        }
        catch (Exception ex) when (ex is AggregateException or ConnectionLostException or ObjectDisposedException or RemoteInvocationException)
        {
            _log.Debug($"The worker could not count tokens ({ex.GetBaseException().Message}); estimating.");
        }

        return Estimate(text);
    }

    internal static int Estimate(string text) => (text.Length + 3) / 4;

    private void Remember(string text, Task<int> count)
    {
        if (!count.IsCompletedSuccessfully)
        {
            _ = count.Exception; // observed: the caller already got an estimate
            return;
        }

        if (_counts.Count >= MaxCachedCounts)
        {
            _counts.Clear();
        }

        _counts[text] = count.Result;
    }

    public async Task<CompletionResult> CompleteAsync(CompletionRequest request, Action<string>? onText, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var id = Interlocked.Increment(ref _nextId);
        var pending = new Pending(this, id, onText, request.Stopper);
        _pending[id] = pending;
        var wire = new WorkerCompleteParams(id, request.Prefix, request.Suffix, request.Mode)
        {
            Context = request.Context,
            Generation = request.Generation,
            DocumentKey = request.DocumentKey,
            ClientId = request.ClientId,
            Stream = onText is not null || request.Stopper is not null,
            Stoppable = request.Stopper is not null,
        };

        try
        {
            var result = await _rpc.InvokeWithParameterObjectAsync<WorkerCompleteResult>(WorkerMethods.Complete, wire, cancellationToken).ConfigureAwait(false);
            return pending.Finish(result);
        }
        catch (RemoteInvocationException ex)
        {
            throw Translate(ex, cancellationToken);
        }
        catch (Exception ex) when (ex is ConnectionLostException or ObjectDisposedException)
        {
            throw new WorkerCrashedException("The connection to the inference worker was lost.", ex);
        }
        finally
        {
            pending.Close();
            _pending.TryRemove(id, out _);
        }
    }

    private static Exception Translate(RemoteInvocationException ex, CancellationToken cancellationToken) => ex.ErrorCode switch
    {
        WorkerErrorCodes.Cancelled => cancellationToken.IsCancellationRequested ? new OperationCanceledException(ex.Message, ex, cancellationToken) : new OperationCanceledException(ex.Message, ex),
        WorkerErrorCodes.Busy => new EngineBusyException(ex.Message, ex),
        WorkerErrorCodes.ModelUnavailable => new ModelLoadException(ex.Message, ex),
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
            catch (Exception ex) when (ex is ConnectionLostException or ObjectDisposedException or IOException)
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
    }
}
