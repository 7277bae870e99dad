using LspCopilot.Completion;
using LspCopilot.Completion.Chat;

namespace LspCopilot.Engine;

/// <summary>Counters of the scheduler, for logs, stats and benchmarks.</summary>
/// <param name="Cancelled">Requests that ended by cancellation (superseded by a newer keystroke, cancelled by the client, or the client went away).</param>
/// <param name="MaxStaleOnEngine">The most cancelled requests the engine still held at once (running until its next chunk or token, or in a batch until its next step). A queued request is not counted: its cancellation takes it out of the queue (counting it would only measure the instant between its token turning cancelled and its callback running).</param>
public sealed record SchedulerStats(long Served, long CacheHits, long Cancelled, long Overflowed, int MaxStaleOnEngine);

/// <summary>
/// One engine, many requests. Answers repeats and typing-through from the <see cref="CompletionCache"/>
/// without the engine; runs one request at a time; a cancelled request leaves the queue at once, or
/// stops at the engine's next chunk or token if it runs (which request supersedes which is the
/// server's decision, made where the keystrokes arrive); waiting requests are bounded and taken in
/// turns across clients; overflow fails at once with <see cref="EngineBusyException"/>.
/// Chats have a lane of their own, one at a time in arrival order, bounded the same way: a chat is
/// handed to the engine while completions keep flowing, and the engine lets each waiting completion
/// in between the chat's chunks and tokens (completions first).
/// When two or more clients wait and the engine can batch, their completions are decoded together instead of
/// in turns (<see cref="Batching.BatchRunner"/>); so is a lone request while another client is typing (asked within
/// <see cref="EngineOptions.TeamWindowMs"/>), so that client's next keystroke joins it. One client alone takes the
/// single-request path.
/// </summary>
public sealed partial class EngineScheduler : ICompletionEngine, IChatEngine, IProgressSource, IClientMemory
{
    private readonly ICompletionEngine _inner;
    private readonly EngineOptions _options;
    private readonly ServerLog _log;
    private readonly CompletionCache _cache;
    private readonly object _lock = new();
    private readonly LinkedList<Job> _queue = new();
    private readonly SemaphoreSlim _work = new(0);
    private readonly CancellationTokenSource _shutdown = new();
    private readonly Task _worker;
    private readonly SemaphoreSlim _chatTurn = new(1, 1);
    private Task _runningChat = Task.CompletedTask;
    private int _chats;
    private Job? _running;
    private string? _lastClient;
    private long _served;
    private long _cacheHits;
    private long _overflowed;
    private int _maxStale;
    private long _cancelled;
    private long _streamed;

    public EngineScheduler(ICompletionEngine inner, EngineOptions options, ServerLog log)
    {
        _inner = inner;
        _options = options;
        _log = log;
        _cache = new CompletionCache(options.ResultCacheSize);
        // The loop has a thread of its own and blocks on it: a request then wakes a waiting thread, never waits for the
        // thread pool to find one (a worker process's pool is idle between requests and lets its threads go).
        var loop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _worker = loop.Task;
        new Thread(() => Work(loop)) { IsBackground = true, Name = "lspcopilot scheduler" }.Start();
    }

    public ICompletionEngine Inner => _inner;

    public string ModelName => _inner.ModelName;

    public FimLayout Fim => _inner.Fim;

    public int ContextSize => _inner.ContextSize;

    public CompletionCache Cache => _cache;

    /// <summary>The inner engine's chat layout; null when it cannot chat.</summary>
    public string? ChatLayout => (_inner as IChatEngine)?.ChatLayout;

    public SchedulerStats Stats => new(
        Interlocked.Read(ref _served),
        Interlocked.Read(ref _cacheHits),
        Interlocked.Read(ref _cancelled),
        Interlocked.Read(ref _overflowed),
        Volatile.Read(ref _maxStale));

    public Task<IReadOnlyList<int>> CountTokensAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken) =>
        _inner.CountTokensAsync(texts, cancellationToken);

    /// <summary>Replaces the cached answer to <paramref name="request"/> (the compile check chose another candidate).</summary>
    public Task RememberAsync(CompletionRequest request, string text, CancellationToken cancellationToken)
    {
        _cache.Add(ModelName, request, text);
        return Task.CompletedTask;
    }

    public Task<CompletionResult> CompleteAsync(CompletionRequest request, Action<string>? onText, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (_cache.Find(ModelName, request) is { } cached)
        {
            Interlocked.Increment(ref _cacheHits);

            onText?.Invoke(cached);
            return Task.FromResult(new CompletionResult(cached, StopReason.Cached, new CompletionStats(0, 0, 0, TimeSpan.Zero, TimeSpan.Zero)));
        }

        // The job listens to the caller's token itself (a keystroke's cancel takes it out of the queue at once);
        // the watchdog makes every request end: at once when cancelled, with EngineStalledException when the
        // engine stops making progress — then it cancels the job too.
        var job = new Job(request, onText is null ? null : text => { Interlocked.Increment(ref _streamed); onText(text); }, cancellationToken);
        Enqueue(job);
        return StallWatchdog.RunAsync(
            token =>
            {
                token.Register(static state => ((Job)state!).Cancel(), job);
                return job.Result.Task;
            },
            () => Progress,
            TimeSpan.FromSeconds(Math.Max(1, _options.StallTimeoutSeconds)),
            cancellationToken);
    }

    /// <summary>
    /// Runs a chat when the chats before it are done, under the same stall watchdog as completions; completions
    /// are not held up (the engine runs them between the chat's chunks and tokens).
    /// </summary>
    public async Task<ChatResult> ChatAsync(ChatRequest request, Action<string>? onText, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var chat = _inner as IChatEngine ?? throw new NotSupportedException($"The engine serving {ModelName} cannot chat.");
        if (Interlocked.Increment(ref _chats) > _options.QueueLimit + 1)
        {
            Interlocked.Decrement(ref _chats);
            Interlocked.Increment(ref _overflowed);
            throw new EngineBusyException($"The engine is busy: {_options.QueueLimit} chats are waiting. Try again in a moment.");
        }

        try
        {
            using var call = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _shutdown.Token);
            await _chatTurn.WaitAsync(call.Token).ConfigureAwait(false);
            try
            {
                var streamed = onText is null ? null : new Action<string>(text => { Interlocked.Increment(ref _streamed); onText(text); });
                return await StallWatchdog.RunAsync(
                    token =>
                    {
                        var running = chat.ChatAsync(request, streamed, token);
                        _runningChat = running;
                        return running;
                    },
                    () => Progress,
                    TimeSpan.FromSeconds(Math.Max(1, _options.StallTimeoutSeconds)),
                    call.Token).ConfigureAwait(false);
            }
            finally
            {
                _chatTurn.Release();
            }
        }
        catch (OperationCanceledException)
        {
            Interlocked.Increment(ref _cancelled);
            throw;
        }
        finally
        {
            Interlocked.Decrement(ref _chats);
        }
    }

    public Task EndConversationAsync(string conversationId, CancellationToken cancellationToken) =>
        _inner is IChatEngine chat ? chat.EndConversationAsync(conversationId, cancellationToken) : Task.CompletedTask;

    /// <summary>The clients went away: they no longer count as typing, and the engine lets their tokens go.</summary>
    public Task ForgetClientsAsync(string clientIdPrefix, CancellationToken cancellationToken)
    {
        ForgetAsked(clientIdPrefix);
        return _inner is IClientMemory memory ? memory.ForgetClientsAsync(clientIdPrefix, cancellationToken) : Task.CompletedTask;
    }

    /// <summary>The inner engine's progress (chunks and tokens decoded) when it reports it, else the text it streamed.</summary>
    public long Progress => _inner is IProgressSource source ? source.Progress : Interlocked.Read(ref _streamed);

    /// <summary>Resets the statistics' high-water marks (between benchmark phases).</summary>
    public void ResetStats()
    {
        Interlocked.Exchange(ref _served, 0);
        Interlocked.Exchange(ref _cacheHits, 0);
        Interlocked.Exchange(ref _overflowed, 0);
        Volatile.Write(ref _maxStale, 0);
        Interlocked.Exchange(ref _cancelled, 0);
    }

    private void Enqueue(Job job)
    {
        lock (_lock)
        {
            if (_queue.Count >= _options.QueueLimit)
            {
                Interlocked.Increment(ref _overflowed);
                job.Result.TrySetException(new EngineBusyException($"The engine is busy: {_queue.Count} requests are waiting. Try again in a moment."));
                return;
            }

            job.Node = _queue.AddLast(job);
            NoteAsked(job);
            // Owner first: a token cancelled since the caller checked it runs the callback inside Register.
            job.Owner = this;
            job.Registration = job.Token.Register(static state => ((Job)state!).Owner!.CancelQueued((Job)state!), job);
            NoteStale();
        }

        _work.Release();
    }

    private void CancelQueued(Job job)
    {
        lock (_lock)
        {
            if (job.Node is not null)
            {
                _queue.Remove(job.Node);
                job.Node = null;
                Interlocked.Increment(ref _cancelled);
                job.Result.TrySetCanceled(job.Token);
            }
        }
    }

    /// <summary>Takes the next job: in turns across clients, oldest first within one.</summary>
    private Job? Dequeue()
    {
        lock (_lock)
        {
            LinkedListNode<Job>? pick = null;
            for (var node = _queue.First; node is not null; node = node.Next)
            {
                pick ??= node;
                if (node.Value.Request.ClientId != _lastClient)
                {
                    pick = node;
                    break;
                }
            }

            if (pick is null)
            {
                return null;
            }

            _queue.Remove(pick);
            var job = pick.Value;
            job.Node = null;
            _running = job;
            _lastClient = job.Request.ClientId;
            NoteStale();
            return job;
        }
    }

    private void Work(TaskCompletionSource loop)
    {
        try
        {
            Loop();
            loop.TrySetResult();
        }
        catch (Exception ex)
        {
            // Not expected (each job's own failure goes to its caller): the loop's end is logged, never a process crash.
            _log.Error($"The engine's scheduler stopped: {ex.Message}");
            loop.TrySetException(ex);
        }
    }

    private void Loop()
    {
        while (!_shutdown.IsCancellationRequested)
        {
            try
            {
                _work.Wait(_shutdown.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                // Disposed: a stuck call that returned after Dispose gave up on it finds the scheduler gone.
                return;
            }

            var job = Dequeue();
            if (job is null)
            {
                continue;
            }

            if (_inner is Batching.IBatchingEngine batching && TeamIsTyping(job))
            {
                RunBatchAsync(batching, job).GetAwaiter().GetResult();
                continue;
            }

            job.Registration.Dispose();
            job.Request.Trace?.Mark(LatencyTrace.Stages.Scheduled);
            try
            {
                var result = _inner.CompleteAsync(job.Request, job.OnText, job.Token).GetAwaiter().GetResult();
                Interlocked.Increment(ref _served);
                _cache.Add(ModelName, job.Request, result.Text);
                job.Result.TrySetResult(result);
            }
            catch (OperationCanceledException)
            {
                Interlocked.Increment(ref _cancelled);
                job.Result.TrySetCanceled();
            }
            catch (Exception ex)
            {
                _log.Error($"Completion failed: {ex.Message}");
                job.Result.TrySetException(ex);
            }
            finally
            {
                lock (_lock)
                {
                    _running = null;
                    NoteStale();
                }

                job.Dispose();
            }
        }
    }

    /// <summary>Records how many cancelled requests the engine still holds (running, or in a batch).</summary>
    private void NoteStale()
    {
        var stale = (_running is { Token.IsCancellationRequested: true } ? 1 : 0) + _batch.Count(j => j.Token.IsCancellationRequested);
        if (stale > _maxStale)
        {
            Volatile.Write(ref _maxStale, stale);
        }
    }

    /// <summary>Waits for the scheduler's loop and a running chat to end while the engine makes progress; false when it stalls for a second.</summary>
    private bool WaitForTheRunningJob()
    {
        var seen = Progress;
        var since = System.Diagnostics.Stopwatch.StartNew();
        var running = Task.WhenAll(_worker, _runningChat);
        try
        {
            while (!running.Wait(TimeSpan.FromMilliseconds(50)))
            {
                if (Progress != seen)
                {
                    (seen, since) = (Progress, System.Diagnostics.Stopwatch.StartNew());
                }
                else if (since.Elapsed > TimeSpan.FromSeconds(1))
                {
                    return false;
                }
            }
        }
        catch (AggregateException)
        {
            // The worker ends with the scheduler; its own failures (and the chat's) were already reported to callers.
        }

        return true;
    }

    public void Dispose()
    {
        _shutdown.Cancel();
        lock (_lock)
        {
            foreach (var job in _queue)
            {
                job.Result.TrySetCanceled();
            }

            _queue.Clear();
            _running?.Cancel();
            foreach (var job in _batch)
            {
                job.Cancel();
            }
        }

        if (!WaitForTheRunningJob())
        {
            // A call that makes no progress may never return (a hung native call): freeing the model under it
            // could crash, and the process is ending anyway.
            _log.Warning("The engine is stuck in a request; leaving it to the end of the process.");
            _shutdown.Dispose();
            return;
        }

        _inner.Dispose();
        _shutdown.Dispose();
        _work.Dispose();
    }

    private sealed class Job : IDisposable
    {
        private readonly CancellationTokenSource _cts;

        public Job(CompletionRequest request, Action<string>? onText, CancellationToken token)
        {
            Request = request;
            OnText = onText;
            _cts = CancellationTokenSource.CreateLinkedTokenSource(token);
        }

        public CompletionRequest Request { get; }

        public Action<string>? OnText { get; }

        public CancellationToken Token => _cts.Token;

        public TaskCompletionSource<CompletionResult> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public LinkedListNode<Job>? Node { get; set; }

        public CancellationTokenRegistration Registration { get; set; }

        public EngineScheduler? Owner { get; set; }

        public void Cancel()
        {
            try
            {
                _cts.Cancel();
            }
            catch (ObjectDisposedException)
            {
            }
        }

        public void Dispose()
        {
            Registration.Dispose();
            _cts.Dispose();
        }
    }
}
