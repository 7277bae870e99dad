using System.Globalization;
using LspCopilot.Completion;
using LspCopilot.Completion.Chat;
using LspCopilot.Server.Hosting;

namespace LspCopilot.Server.Worker;

/// <summary>
/// The engine as the language server uses it when the model lives in another process. Starts (or
/// connects to) the worker and has it load the model; when the worker dies, the requests it was
/// running fail at once with <see cref="EngineCrashedException"/> (never a hang), and the worker is
/// started again after a backoff (0.5 s, 1 s, 2 s… up to 30 s; reset once a worker has run a minute).
/// Requests that arrive meanwhile wait for it, bounded by <see cref="SupervisorOptions.RestartWait"/>.
/// A model that cannot be loaded is reported as <see cref="ModelLoadException"/>, as in process.
/// Chats have the same guarantees as completions; a restarted worker has no conversation kept.
/// </summary>
public sealed class SupervisedEngine : ICompletionEngine, IChatEngine
{
    private static readonly TimeSpan s_describeWait = TimeSpan.FromSeconds(2);

    private readonly IWorkerConnector _connector;
    private readonly EngineOptions _options;
    private readonly ServerLog _log;
    private readonly SupervisorOptions _settings;
    private readonly TimeSpan _stallTimeout;
    private readonly object _lock = new();
    private readonly CancellationTokenSource _stopping = new();
    private Worker? _live;
    private Task<Worker> _ready = Task.FromException<Worker>(new InvalidOperationException("Not started."));
    private WorkerInfo _info = new("(not loaded)", FimLayout.PrefixOnly, 0, 0);
    private string _lastCrash = string.Empty;
    private int _crashes;
    private int _failuresInARow;

    private SupervisedEngine(IWorkerConnector connector, EngineOptions options, ServerLog log, SupervisorOptions settings)
    {
        _connector = connector;
        _options = options;
        _log = log;
        _settings = settings;
        _stallTimeout = TimeSpan.FromSeconds(Math.Max(1, options.StallTimeoutSeconds));
    }

    public string ModelName => _info.ModelName;

    public FimLayout Fim => _info.Fim;

    public int ContextSize => _info.ContextSize;

    /// <summary>What the current (or last) worker serves, including its process id.</summary>
    public WorkerInfo Info => _info;

    public string? ChatLayout => _info.ChatLayout;

    /// <summary>Crashes so far (worker deaths and lost connections).</summary>
    public int Crashes => Volatile.Read(ref _crashes);

    /// <summary>The live worker's process id (when it is our child), for tests and diagnostics.</summary>
    public int? WorkerProcessId => _live?.Channel.ProcessId;

    /// <summary>
    /// Starts the worker and loads the model, blocking until it is ready (call it off the request
    /// path, as <see cref="ModelHost"/> does). Throws <see cref="ModelLoadException"/> with a message
    /// for the user when it cannot.
    /// </summary>
    public static SupervisedEngine Start(IWorkerConnector connector, EngineOptions options, ServerLog log, SupervisorOptions? settings = null)
    {
        var engine = new SupervisedEngine(connector, options, log, settings ?? new SupervisorOptions());
        try
        {
            var worker = engine.OpenAsync(CancellationToken.None).GetAwaiter().GetResult();
            engine._ready = Task.FromResult(worker);
            engine.Adopt(worker);
            return engine;
        }
        catch (ModelLoadException)
        {
            engine.Dispose();
            throw;
        }
        catch (Exception ex)
        {
            engine.Dispose();
            throw new ModelLoadException(engine.FirstStartMessage(ex), ex);
        }
    }

    /// <summary>The live worker counts; while none runs (starting, restarting, stuck) the caller gets estimates.</summary>
    public async Task<IReadOnlyList<int>> CountTokensAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken)
    {
        if (_live is { } worker)
        {
            try
            {
                return await GuardAsync(worker, token => worker.Engine.CountTokensAsync(texts, token), cancellationToken).ConfigureAwait(false);
            }
            catch (EngineCrashedException)
            {
                // Counting never fails a keystroke; the completion that follows reports the crash.
            }
        }

        return await TokenEstimate.Instance.CountTokensAsync(texts, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A restarted worker has an empty cache, so only the live one is told.</summary>
    public async Task RememberAsync(CompletionRequest request, string text, CancellationToken cancellationToken)
    {
        if (_live is { } worker)
        {
            try
            {
                await GuardAsync(worker, async token => { await worker.Engine.RememberAsync(request, text, token).ConfigureAwait(false); return true; }, cancellationToken).ConfigureAwait(false);
            }
            catch (EngineCrashedException)
            {
                // A lost worker has no cache to correct.
            }
        }
    }

    public Task<CompletionResult> CompleteAsync(CompletionRequest request, Action<string>? onText, CancellationToken cancellationToken) =>
        OnWorkerAsync((engine, token) => engine.CompleteAsync(request, onText, token), cancellationToken);

    public Task<ChatResult> ChatAsync(ChatRequest request, Action<string>? onText, CancellationToken cancellationToken) =>
        OnWorkerAsync((engine, token) => engine.ChatAsync(request, onText, token), cancellationToken);

    /// <summary>Only the live worker keeps a conversation: a restarted one has none to forget.</summary>
    public async Task EndConversationAsync(string conversationId, CancellationToken cancellationToken)
    {
        if (_live is { } worker)
        {
            try
            {
                await GuardAsync(worker, async token => { await worker.Engine.EndConversationAsync(conversationId, token).ConfigureAwait(false); return true; }, cancellationToken).ConfigureAwait(false);
            }
            catch (EngineCrashedException)
            {
                // The worker is gone, and its conversation with it.
            }
        }
    }

    /// <summary>A request on the live worker (or the one starting): a lost worker fails it with <see cref="EngineCrashedException"/> that names the crash.</summary>
    private async Task<T> OnWorkerAsync<T>(Func<RemoteEngine, CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        var worker = await GetWorkerAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await GuardAsync(worker, token => call(worker.Engine, token), cancellationToken).ConfigureAwait(false);
        }
        catch (EngineCrashedException) when (_stopping.IsCancellationRequested)
        {
            throw new OperationCanceledException("The engine is shutting down.");
        }
        catch (EngineCrashedException ex) when (ex.InnerException is not EngineStalledException)
        {
            // The watcher names the crash (exit code, signal) a moment after the connection drops.
            try
            {
                throw await worker.Crash.Task.WaitAsync(s_describeWait + TimeSpan.FromSeconds(3), CancellationToken.None).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                throw new EngineCrashedException($"The connection to {_connector.Description} was lost.", Crashes);
            }
        }
    }

    /// <summary>
    /// Runs a call on the worker so that it ends: at once when cancelled (even if the worker never answers),
    /// and — when the worker sends nothing for the stall timeout while the call waits (a stopped process, a
    /// hung native call) — by stopping that worker: its child process is killed, a shared worker's connection
    /// dropped, and the supervisor restarts or reconnects as after any crash.
    /// </summary>
    private async Task<T> GuardAsync<T>(Worker worker, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await StallWatchdog.RunAsync(call, () => worker.Engine.Progress, _stallTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (EngineStalledException ex) when (!_stopping.IsCancellationRequested && ex.InnerException is StreamJsonRpc.RemoteInvocationException)
        {
            // The worker's own watchdog answered: it restarts itself (a child exits and is started again, a
            // shared worker restarts in place and this connection closes and reconnects).
            throw new EngineCrashedException($"{Capital(_connector.Description)} found its engine stuck and is restarting it. {ex.Message}", Crashes + 1, ex);
        }
        catch (EngineStalledException) when (!_stopping.IsCancellationRequested)
        {
            Stop(worker, $"made no progress for {_stallTimeout.TotalSeconds:0.#} s");
            throw new EngineCrashedException(
                _connector.OwnsWorker
                    ? $"The inference worker made no progress for {_stallTimeout.TotalSeconds:0.#} s; LspCopilot stopped it and is starting a fresh one. If long prompts on a slow machine are the cause, raise --stall-timeout."
                    : $"{Capital(_connector.Description)} sent nothing for {_stallTimeout.TotalSeconds:0.#} s; LspCopilot dropped the connection and is reconnecting.",
                Crashes + 1);
        }
    }

    /// <summary>Ends a worker that is stuck: the connection watcher then reports it and restarts (once per worker).</summary>
    private void Stop(Worker worker, string why)
    {
        if (Interlocked.CompareExchange(ref worker.StopReason, why, null) is null)
        {
            _log.Error($"{Capital(_connector.Description)} {why}; stopping it.");
            worker.Channel.Abandon();
        }
    }

    private async Task<Worker> GetWorkerAsync(CancellationToken cancellationToken)
    {
        Task<Worker> ready;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_stopping.IsCancellationRequested, this);
            if (_live is { } live)
            {
                return live;
            }

            ready = _ready;
        }

        try
        {
            return await ready.WaitAsync(_settings.RestartWait, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new EngineCrashedException($"{Capital(_connector.Description)} is still restarting after it {_lastCrash}; try again in a moment.", Crashes);
        }
    }

    /// <summary>Starts or connects to a worker and has it load the model.</summary>
    private async Task<Worker> OpenAsync(CancellationToken cancellationToken)
    {
        var channel = await _connector.OpenAsync(cancellationToken).ConfigureAwait(false);
        RemoteEngine? engine = null;
        try
        {
            engine = new RemoteEngine(channel.Send, channel.Receive, _log, readOnOwnThread: channel is WorkerProcess);
            var info = await engine.LoadAsync(_options, cancellationToken).ConfigureAwait(false);
            return new Worker(channel, engine, info);
        }
        catch (EngineCrashedException ex)
        {
            var why = await channel.DescribeEndAsync(s_describeWait).ConfigureAwait(false);
            LogLastOutput(channel);
            engine?.Dispose();
            channel.Dispose();
            throw new EngineCrashedException($"{Capital(_connector.Description)} {why} while loading the model.", ex);
        }
        catch
        {
            engine?.Dispose();
            channel.Dispose();
            throw;
        }
    }

    private void Adopt(Worker worker)
    {
        lock (_lock)
        {
            _live = worker;
            _info = worker.Info;
        }

        _ = WatchAsync(worker);
    }

    /// <summary>Waits for the worker's connection to end; unless we are closing, that is a crash.</summary>
    private async Task WatchAsync(Worker worker)
    {
        try
        {
            await worker.Engine.Completion.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            _log.Debug($"The connection to {_connector.Description} failed: {ex.Message}");
        }

        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        var why = Volatile.Read(ref worker.StopReason) ?? await worker.Channel.DescribeEndAsync(s_describeWait).ConfigureAwait(false);
        EngineCrashedException crash;
        lock (_lock)
        {
            if (_stopping.IsCancellationRequested)
            {
                return;
            }

            var id = ++_crashes;
            _failuresInARow = DateTime.UtcNow - worker.Started >= _settings.StableAfter ? 1 : _failuresInARow + 1;
            _lastCrash = why;
            crash = new EngineCrashedException(
                _connector.OwnsWorker
                    ? $"The inference worker {why}; LspCopilot is restarting it. What it was generating (a suggestion, a chat reply) was lost; the next request works once the model has reloaded."
                    : $"The connection to {_connector.Description} was lost (it {why}); LspCopilot is reconnecting.",
                id);
            if (ReferenceEquals(_live, worker))
            {
                _live = null;
            }

            _log.Error(crash.Message);
            LogLastOutput(worker.Channel);
            _ready = RestartAsync();
        }

        worker.Crash.TrySetResult(crash);
        worker.Dispose();
    }

    private async Task<Worker> RestartAsync()
    {
        while (true)
        {
            var delay = _settings.RestartDelay(Volatile.Read(ref _failuresInARow));
            _log.Info($"{(_connector.OwnsWorker ? "Restarting" : "Reconnecting to")} {_connector.Description} in {delay.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s.");
            await Task.Delay(delay, _stopping.Token).ConfigureAwait(false);
            try
            {
                var worker = await OpenAsync(_stopping.Token).ConfigureAwait(false);
                Adopt(worker);
                _log.Info($"{Capital(_connector.Description)} is back: {worker.Info.ModelName} (process {worker.Info.ProcessId.ToString(CultureInfo.InvariantCulture)}).");
                return worker;
            }
            catch (ModelLoadException ex)
            {
                // The worker runs but cannot load the model (e.g. the file is gone): restarting will not help.
                _log.Error($"{Capital(_connector.Description)} can no longer load the model: {ex.Message}");
                throw;
            }
            catch (Exception ex) when (!_stopping.IsCancellationRequested)
            {
                Interlocked.Increment(ref _failuresInARow);
                _log.Error($"Could not restart {_connector.Description}: {ex.Message}");
                if (ex is WorkerRefusedException)
                {
                    throw new ModelLoadException($"{Capital(_connector.Description)} refused the connection: {ex.Message}", ex);
                }
            }
        }
    }

    private string FirstStartMessage(Exception ex) => ex switch
    {
        EngineCrashedException crashed when _connector.IsRemote => crashed.Message,
        EngineCrashedException crashed => $"{crashed.Message} The model may not fit in memory: try a smaller model or quantization, fewer --gpu-layers, or a smaller --context-size.",
        WorkerRefusedException refused => $"{Capital(_connector.Description)} refused the connection: {refused.Message}",
        _ when _connector.OwnsWorker => $"The inference worker could not be started ({ex.Message}). Start the server with --in-process to load the model in the server itself.",
        _ => $"Cannot reach {_connector.Description} ({ex.Message}). Start it first: lspcopilot worker --listen HOST:PORT --model PATH.",
    };

    private void LogLastOutput(IWorkerChannel channel)
    {
        if (channel is WorkerProcess { LastOutput.Count: > 0 } process)
        {
            _log.Error("The worker's last output:" + Environment.NewLine + string.Join(Environment.NewLine, process.LastOutput));
        }
    }

    private static string Capital(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];

    public void Dispose()
    {
        Worker? worker;
        lock (_lock)
        {
            if (_stopping.IsCancellationRequested)
            {
                return;
            }

            _stopping.Cancel();
            worker = _live;
            _live = null;
        }

        // Shutdown cancelled every request; a worker still holding calls is stuck: don't wait for it to exit.
        if (worker is { Engine.Outstanding: > 0 })
        {
            worker.Channel.Abandon();
        }

        worker?.Dispose();
    }

    /// <summary>One started worker: its channel, its engine, and how it ended.</summary>
    private sealed class Worker(IWorkerChannel channel, RemoteEngine engine, WorkerInfo info) : IDisposable
    {
        public IWorkerChannel Channel => channel;

        public RemoteEngine Engine => engine;

        public WorkerInfo Info => info;

        public DateTime Started { get; } = DateTime.UtcNow;

        public TaskCompletionSource<EngineCrashedException> Crash { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Why the supervisor stopped this worker (it stalled); null when it ended on its own.</summary>
        public string? StopReason;

        public void Dispose()
        {
            engine.Dispose();
            channel.Dispose();
        }
    }
}
