using System.Diagnostics;

namespace LspCopilot.Server.Worker;

/// <summary>Bounds how long synchronous callers block on remote answers, per call and per second in all.</summary>
internal sealed class WaitBudget
{
    private readonly object _lock = new();
    private long _windowStart = Stopwatch.GetTimestamp();
    private TimeSpan _spent;

    /// <summary>Waits for <paramref name="task"/> if the budget allows; true when it completed in time.</summary>
    public bool TryWait(Task task, TimeSpan perCall, TimeSpan perSecond)
    {
        TimeSpan allowed;
        lock (_lock)
        {
            if (Stopwatch.GetElapsedTime(_windowStart) >= TimeSpan.FromSeconds(1))
            {
                _windowStart = Stopwatch.GetTimestamp();
                _spent = TimeSpan.Zero;
            }

            allowed = perSecond - _spent;
        }

        if (task.IsCompleted)
        {
            return task.IsCompletedSuccessfully;
        }

        if (allowed <= TimeSpan.Zero)
        {
            return false;
        }

        var start = Stopwatch.GetTimestamp();
        var done = task.Wait(allowed < perCall ? allowed : perCall);
        lock (_lock)
        {
            _spent += Stopwatch.GetElapsedTime(start);
        }

        return done && task.IsCompletedSuccessfully;
    }
}
