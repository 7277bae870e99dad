using LspCopilot.Completion;

namespace LspCopilot.Server.Worker;

/// <summary>
/// The worker process's one engine: loaded once (the first load's options win, so clients of a shared
/// worker all use the model it was started with) and shared by every connection. When the engine stalls
/// (<see cref="EngineStalledException"/>: a native call that never returns cannot be cancelled), the
/// request fails and <paramref name="onStalled"/> runs once — a worker the language server started exits so
/// that the language server starts a fresh one; a shared worker restarts itself in place.
/// </summary>
public sealed class WorkerHost(Func<EngineOptions, ServerLog, ICompletionEngine> loader, ServerLog log, Func<EngineOptions, EngineOptions>? commandLine = null, Action<string>? onStalled = null) : IDisposable
{
    private int _stalled;

    /// <summary>
    /// Test hook, never set in normal use: when this environment variable holds a text, a completion
    /// whose prefix contains it aborts the worker process (<see cref="Environment.FailFast(string)"/>)
    /// at its first generated token, and so does loading a model whose path contains it, the way a
    /// native crash (e.g. CUDA out of memory) would, so tests can prove the language server survives
    /// a real process abort.
    /// </summary>
    public const string TestAbortVariable = "LSPCOPILOT_TEST_ABORT_MARKER";

    /// <summary>
    /// Test hook, never set in normal use: a completion whose prefix contains this variable's text blocks the
    /// engine thread at its first generated token, for good — a native call that never returns — so tests can
    /// prove the worker's own watchdog answers and exits.
    /// </summary>
    public const string TestStallVariable = "LSPCOPILOT_TEST_STALL_MARKER";

    private readonly object _lock = new();
    private readonly string? _stallMarker = Environment.GetEnvironmentVariable(TestStallVariable) is { Length: > 0 } stall ? stall : null;
    private readonly string? _abortMarker = Environment.GetEnvironmentVariable(TestAbortVariable) is { Length: > 0 } marker ? marker : null;
    private Task<ICompletionEngine>? _loading;
    private string? _loadedPath;

    /// <summary>The engine once loaded; null before or when loading failed.</summary>
    public ICompletionEngine? Engine => _loading is { IsCompletedSuccessfully: true } loaded ? loaded.Result : null;

    /// <summary>Loads the model once; later calls (other clients) get the same engine whatever they ask.</summary>
    public Task<ICompletionEngine> LoadAsync(EngineOptions requested)
    {
        lock (_lock)
        {
            var effective = commandLine is null ? requested : commandLine(requested);
            if (_loading is not null)
            {
                if (effective.ModelPath is { } path && _loadedPath is { } loaded && !PathsEqual(path, loaded))
                {
                    log.Info($"A client asked for {path}; this worker keeps serving {loaded}.");
                }

                return _loading;
            }

            _loadedPath = effective.ModelPath;
            _loading = Task.Run(() =>
            {
                if (_abortMarker is not null && effective.ModelPath?.Contains(_abortMarker, StringComparison.Ordinal) == true)
                {
                    Environment.FailFast($"{TestAbortVariable}: test-only abort of the inference worker while loading the model.");
                }

                return loader(effective, log);
            });
            return _loading;
        }
    }

    /// <summary>Wraps the streaming callback with the test abort hook when it applies to this request.</summary>
    internal Action<string>? WithTestHook(string prefix, Action<string>? onText)
    {
        if (_stallMarker is not null && prefix.Contains(_stallMarker, StringComparison.Ordinal))
        {
            return _ => Thread.Sleep(Timeout.Infinite);
        }

        if (_abortMarker is null || !prefix.Contains(_abortMarker, StringComparison.Ordinal))
        {
            return onText;
        }

        return text =>
        {
            onText?.Invoke(text);
            Environment.FailFast($"{TestAbortVariable}: test-only abort of the inference worker mid-generation.");
        };
    }

    /// <summary>The engine stalled under a request: log it and hand over to <c>onStalled</c>, once.</summary>
    internal void ReportStall(EngineStalledException stall)
    {
        if (Interlocked.Exchange(ref _stalled, 1) == 0)
        {
            log.Error($"The engine is stuck: {stall.Message}");
            onStalled?.Invoke(stall.Message);
        }
    }

    private static bool PathsEqual(string a, string b) =>
        string.Equals(Path.GetFullPath(a), Path.GetFullPath(b), OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);

    public void Dispose()
    {
        if (Engine is { } engine)
        {
            engine.Dispose();
        }
    }
}
