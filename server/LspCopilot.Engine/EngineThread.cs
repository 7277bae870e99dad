namespace LspCopilot.Engine;

/// <summary>
/// The one thread that runs the native calls of every engine in this process, started with the first engine and ended
/// after the last one lets it go: a request hands its work to a thread that is already waiting instead of starting a new
/// one (measured ~0.3–0.7 ms per keystroke on 2 cores). Answers complete on the thread pool, so the thread is free for
/// the next request at once. Urgent work (completions) runs before other work (chats) and also inside it: a long piece
/// of work calls <see cref="Lease.RunUrgent"/> at points where it can pause (between prompt chunks, between tokens).
/// <para>
/// One thread for all engines, not one each: llama.cpp's CPU build runs each decode on an OpenMP team (libgomp), and
/// libgomp keeps a team for every thread that calls it. Once the teams of a process hold more threads than it has
/// cores, libgomp stops spinning at the barriers between a decode's steps and sleeps in the kernel at each of them
/// instead. Measured on 2 cores with TinyStories-656K-Q8_0, 2 threads: one token 0.26 ms when one thread calls
/// llama.cpp, 1.3–1.9 ms when two or four engines call it from threads of their own, even one at a time. Engines in
/// one process (a chat model beside the completion model, a benchmark's engines) therefore share this thread, and
/// one engine's urgent completion may run inside another engine's long chat, as it does inside its own.
/// </para>
/// </summary>
internal sealed class EngineThread
{
    private static readonly object s_current = new();
    private static EngineThread? s_shared;

    private readonly object _lock = new();
    private readonly Queue<Action> _urgent = new();
    private readonly Queue<Action> _normal = new();
    private readonly Thread _thread;
    private int _users;
    private bool _completed;

    private EngineThread()
    {
        _thread = new Thread(Run) { IsBackground = true, Name = "llama engine" };
        _thread.Start();
    }

    /// <summary>A new user of the process's engine thread (started now if no engine holds it).</summary>
    public static Lease Acquire()
    {
        lock (s_current)
        {
            if (s_shared is null)
            {
                s_shared = new EngineThread();
            }

            s_shared._users++;
            return new Lease(s_shared);
        }
    }

    private void Release()
    {
        lock (s_current)
        {
            if (--_users > 0)
            {
                return;
            }

            // The last user: the thread ends after the work already handed to it, and the next engine starts a new one.
            if (s_shared == this)
            {
                s_shared = null;
            }
        }

        lock (_lock)
        {
            _completed = true;
            Monitor.Pulse(_lock);
        }
    }

    private void Enqueue(Action item, bool urgent)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_completed, this);
            (urgent ? _urgent : _normal).Enqueue(item);
            Monitor.Pulse(_lock);
        }
    }

    private void RunUrgentNow()
    {
        if (Thread.CurrentThread != _thread)
        {
            throw new InvalidOperationException("Urgent work runs only on the engine thread.");
        }

        while (true)
        {
            Action next;
            lock (_lock)
            {
                if (_urgent.Count == 0)
                {
                    return;
                }

                next = _urgent.Dequeue();
            }

            next();
        }
    }

    private void Run()
    {
        while (true)
        {
            Action next;
            lock (_lock)
            {
                while (_urgent.Count == 0 && _normal.Count == 0 && !_completed)
                {
                    Monitor.Wait(_lock);
                }

                if (_urgent.Count > 0)
                {
                    next = _urgent.Dequeue();
                }
                else if (_normal.Count > 0)
                {
                    next = _normal.Dequeue();
                }
                else
                {
                    return;
                }
            }

            next();
        }
    }

    /// <summary>One engine's hold on the engine thread; disposing it lets the thread go (it ends with its last user).</summary>
    internal sealed class Lease : IDisposable
    {
        private readonly EngineThread _thread;
        private int _pendingUrgent;
        private int _disposed;

        public Lease(EngineThread thread) => _thread = thread;

        /// <summary>This engine's urgent work waiting for the thread (for tests that line a completion up behind a chat's next token).</summary>
        public int PendingUrgent => Volatile.Read(ref _pendingUrgent);

        /// <summary>Runs <paramref name="work"/> on the engine thread; cancelled at once if <paramref name="cancellationToken"/> is before it starts.</summary>
        public Task<T> RunAsync<T>(Func<T> work, CancellationToken cancellationToken, bool urgent = false)
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
            void Item()
            {
                if (urgent)
                {
                    Interlocked.Decrement(ref _pendingUrgent);
                }

                try
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    done.SetResult(work());
                }
                catch (OperationCanceledException ex)
                {
                    done.SetCanceled(ex.CancellationToken);
                }
                catch (Exception ex)
                {
                    done.SetException(ex);
                }
            }

            if (urgent)
            {
                Interlocked.Increment(ref _pendingUrgent);
            }

            try
            {
                _thread.Enqueue(Item, urgent);
            }
            catch
            {
                if (urgent)
                {
                    Interlocked.Decrement(ref _pendingUrgent);
                }

                throw;
            }

            return done.Task;
        }

        /// <summary>Runs the urgent work waiting now (of every engine), on the engine thread, from inside the work running there.</summary>
        public void RunUrgent() => _thread.RunUrgentNow();

        /// <summary>Lets the thread go; the work already handed to it still runs.</summary>
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                _thread.Release();
            }
        }
    }
}
