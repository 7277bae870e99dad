using System.Diagnostics;
using LspCopilot.Completion;

namespace LspCopilot.Server.Worker.Http;

/// <summary>How the HTTP service's last request ended: its kind, tokens generated, and "completed", "cancelled" or "failed".</summary>
internal sealed record HttpRequestOutcome(string Endpoint, int Generated, string Outcome);

/// <summary>
/// The HTTP service's view of its engine: loaded or not, requests running, whether it is stuck (a request runs
/// and the engine's progress counter has not moved for the stall timeout), and how the last request ended.
/// </summary>
internal sealed class HttpEngineState(Func<ICompletionEngine?> engine, TimeSpan stallTimeout)
{
    private readonly object _lock = new();
    private int _running;
    private long _progressSeen = -1;
    private long _progressChangedAt = Stopwatch.GetTimestamp();

    public ICompletionEngine? Engine => engine();

    /// <summary>Why the model is not there, once loading failed.</summary>
    public string? LoadError { get; set; }

    public bool Busy => Volatile.Read(ref _running) > 0;

    public HttpRequestOutcome? Last { get; private set; }

    /// <summary>True when a request runs and the engine has shown no progress for the stall timeout.</summary>
    public bool Stuck
    {
        get
        {
            lock (_lock)
            {
                var now = Engine is IProgressSource source ? source.Progress : 0;
                if (now != _progressSeen || _running == 0)
                {
                    (_progressSeen, _progressChangedAt) = (now, Stopwatch.GetTimestamp());
                    return false;
                }

                return Stopwatch.GetElapsedTime(_progressChangedAt) >= stallTimeout;
            }
        }
    }

    /// <summary>Counts <paramref name="work"/> as running and records how it ended.</summary>
    public async Task<T> RunAsync<T>(string endpoint, Func<Task<T>> work, Func<T, int> generated)
    {
        lock (_lock)
        {
            _running++;
            (_progressSeen, _progressChangedAt) = (-1, Stopwatch.GetTimestamp());
        }

        try
        {
            var result = await work().ConfigureAwait(false);
            Last = new HttpRequestOutcome(endpoint, generated(result), "completed");
            return result;
        }
        catch (OperationCanceledException)
        {
            Last = new HttpRequestOutcome(endpoint, 0, "cancelled");
            throw;
        }
        catch
        {
            Last = new HttpRequestOutcome(endpoint, 0, "failed");
            throw;
        }
        finally
        {
            lock (_lock)
            {
                _running--;
            }
        }
    }
}
