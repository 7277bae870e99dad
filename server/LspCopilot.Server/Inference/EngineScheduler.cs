using LspCopilot.Server.Configuration;
using LspCopilot.Server.Logging;

namespace LspCopilot.Server.Inference;

/// <summary>Counters of the scheduler, for logs, stats and benchmarks.</summary>
public sealed record SchedulerStats(long Served, long CacheHits, long Superseded, long Overflowed, int MaxStaleOnEngine, long PrefetchRuns, long PrefetchHits)
{
    /// <summary>Requests that ended by cancellation (superseded, cancelled by the client, or the client went away).</summary>
    public long Cancelled { get; init; }
}

/// <summary>
/// One engine, many requests. Answers repeats and typing-through from the <see cref="CompletionCache"/>
/// without the engine; runs one request at a time; a newer request with the same document key cancels
/// the older one whether it waits or runs (the engine notices at its next chunk or token); waiting
/// requests are bounded and taken in turns across clients; overflow fails at once with
/// <see cref="EngineBusyException"/>. Optionally prefetches the next suggestion when idle.
/// </summary>
public sealed class EngineScheduler : ICompletionEngine
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
    private readonly Dictionary<string, Job> _byKey = new(StringComparer.Ordinal);
    private Job? _running;
    private string? _lastClient;
    private long _served;
    private long _cacheHits;
    private long _superseded;
    private long _overflowed;
    private int _maxStale;
    private long _prefetchRuns;
    private long _prefetchHits;
    private long _cancelled;

    public EngineScheduler(ICompletionEngine inner, EngineOptions options, ServerLog log)
    {
        _inner = inner;
        _options = options;
        _log = log;
        _cache = new CompletionCache(options.ResultCacheSize);
        _worker = Task.Factory.StartNew(WorkAsync, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
    }

    public ICompletionEngine Inner => _inner;

    public string ModelName => _inner.ModelName;

    public FimLayout Fim => _inner.Fim;

    public int ContextSize => _inner.ContextSize;

    public CompletionCache Cache => _cache;

    public SchedulerStats Stats => new(
        Interlocked.Read(ref _served),
        Interlocked.Read(ref _cacheHits),
        Interlocked.Read(ref _superseded),
        Interlocked.Read(ref _overflowed),
        Volatile.Read(ref _maxStale),
        Interlocked.Read(ref _prefetchRuns),
        Interlocked.Read(ref _prefetchHits))
    {
        Cancelled = Interlocked.Read(ref _cancelled),
    };

    public int CountTokens(string text) => _inner.CountTokens(text);

    public Task<CompletionResult> CompleteAsync(CompletionRequest request, Action<string>? onText, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (_cache.Find(ModelName, request, out var prefetched) is { } cached)
        {
            Interlocked.Increment(ref _cacheHits);
            if (prefetched)
            {
                Interlocked.Increment(ref _prefetchHits);
            }

            onText?.Invoke(cached);
            return Task.FromResult(new CompletionResult(cached, StopReason.Cached, new CompletionStats(0, 0, 0, TimeSpan.Zero, TimeSpan.Zero)));
        }

        var job = new Job(request, onText, cancellationToken, prefetch: false);
        Enqueue(job);
        return job.Result.Task;
    }

    /// <summary>Resets the statistics' high-water marks (between benchmark phases).</summary>
    public void ResetStats()
    {
        Interlocked.Exchange(ref _served, 0);
        Interlocked.Exchange(ref _cacheHits, 0);
        Interlocked.Exchange(ref _superseded, 0);
        Interlocked.Exchange(ref _overflowed, 0);
        Volatile.Write(ref _maxStale, 0);
        Interlocked.Exchange(ref _prefetchRuns, 0);
        Interlocked.Exchange(ref _prefetchHits, 0);
        Interlocked.Exchange(ref _cancelled, 0);
    }

    private void Enqueue(Job job)
    {
        lock (_lock)
        {
            // Any real request preempts a prefetch.
            if (!job.Prefetch && _running is { Prefetch: true } prefetching)
            {
                prefetching.Cancel();
            }

            if (job.Request.DocumentKey is { } key)
            {
                if (_byKey.TryGetValue(key, out var older))
                {
                    Interlocked.Increment(ref _superseded);
                    older.Superseded = true;
                    older.Cancel();
                    if (older.Node is not null)
                    {
                        _queue.Remove(older.Node);
                        older.Node = null;
                        older.Result.TrySetCanceled();
                    }
                }

                _byKey[key] = job;
            }

            if (!job.Prefetch && _queue.Count(j => !j.Prefetch) >= _options.QueueLimit)
            {
                Interlocked.Increment(ref _overflowed);
                Forget(job);
                job.Result.TrySetException(new EngineBusyException($"The engine is busy: {_queue.Count} requests are waiting. Try again in a moment."));
                return;
            }

            job.Node = _queue.AddLast(job);
            job.Registration = job.Token.Register(static state => ((Job)state!).Owner!.CancelQueued((Job)state!), job);
            job.Owner = this;
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
                Forget(job);
                job.Result.TrySetCanceled(job.Token);
            }
        }
    }

    /// <summary>Takes the next job: real requests in turns across clients (oldest first within one); a prefetch only when nothing else waits.</summary>
    private Job? Dequeue()
    {
        lock (_lock)
        {
            LinkedListNode<Job>? pick = null;
            for (var node = _queue.First; node is not null; node = node.Next)
            {
                if (node.Value.Prefetch)
                {
                    continue;
                }

                pick ??= node;
                if (node.Value.Request.ClientId != _lastClient)
                {
                    pick = node;
                    break;
                }
            }

            pick ??= _queue.First;
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

    private async Task WorkAsync()
    {
        while (!_shutdown.IsCancellationRequested)
        {
            try
            {
                await _work.WaitAsync(_shutdown.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            var job = Dequeue();
            if (job is null)
            {
                continue;
            }

            job.Registration.Dispose();
            try
            {
                if (job.Prefetch)
                {
                    Interlocked.Increment(ref _prefetchRuns);
                }

                var result = await _inner.CompleteAsync(job.Request, job.OnText, job.Token).ConfigureAwait(false);
                Interlocked.Increment(ref _served);
                _cache.Add(ModelName, job.Request, result.Text, job.Prefetch);
                job.Result.TrySetResult(result);
                if (!job.Prefetch && _options.Prefetch && result.Text.Length > 0)
                {
                    Enqueue(new Job(job.Request with { Prefix = job.Request.Prefix + result.Text, DocumentKey = job.Request.DocumentKey + "#prefetch" }, null, CancellationToken.None, prefetch: true));
                }
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
                    Forget(job);
                    NoteStale();
                }

                job.Dispose();
            }
        }
    }

    /// <summary>Records how many superseded requests the engine still holds (queued or running).</summary>
    private void NoteStale()
    {
        var stale = (_running is { Superseded: true } ? 1 : 0) + _queue.Count(j => j.Superseded);
        if (stale > _maxStale)
        {
            Volatile.Write(ref _maxStale, stale);
        }
    }

    private void Forget(Job job)
    {
        if (job.Request.DocumentKey is { } key && _byKey.TryGetValue(key, out var current) && ReferenceEquals(current, job))
        {
            _byKey.Remove(key);
        }
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
        }

        try
        {
            _worker.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // The worker ends with the scheduler; its own failures were already reported to callers.
        }

        _inner.Dispose();
        _shutdown.Dispose();
        _work.Dispose();
    }

    private sealed class Job : IDisposable
    {
        private readonly CancellationTokenSource _cts;

        public Job(CompletionRequest request, Action<string>? onText, CancellationToken token, bool prefetch)
        {
            Request = request;
            OnText = onText;
            Prefetch = prefetch;
            _cts = CancellationTokenSource.CreateLinkedTokenSource(token);
        }

        public CompletionRequest Request { get; }

        public Action<string>? OnText { get; }

        public bool Prefetch { get; }

        public CancellationToken Token => _cts.Token;

        public TaskCompletionSource<CompletionResult> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public LinkedListNode<Job>? Node { get; set; }

        public CancellationTokenRegistration Registration { get; set; }

        public EngineScheduler? Owner { get; set; }

        public bool Superseded { get; set; }

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
