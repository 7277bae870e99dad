using System.Diagnostics;

namespace LspCopilot.Completion;

/// <summary>
/// Runs one engine call so that it always ends: at once when its token is cancelled (whether or not the
/// engine notices), and with <see cref="EngineStalledException"/> when the engine's progress counter has
/// not moved for the stall timeout. The engine's own call is cancelled and left to finish on its own.
/// </summary>
public static class StallWatchdog
{
    public static async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> call, Func<long> progress, TimeSpan limit, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var engineCall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var task = call(engineCall.Token);
        var tick = TimeSpan.FromMilliseconds(Math.Clamp(limit.TotalMilliseconds / 4, 10, 1000));
        var seen = progress();
        var since = Stopwatch.GetTimestamp();
        try
        {
            while (!task.IsCompleted)
            {
                try
                {
                    await task.WaitAsync(tick, cancellationToken).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    var now = progress();
                    if (now != seen)
                    {
                        (seen, since) = (now, Stopwatch.GetTimestamp());
                    }
                    else if (Stopwatch.GetElapsedTime(since) >= limit)
                    {
                        throw new EngineStalledException(
                            $"The model made no progress for {limit.TotalSeconds:0.#} s (no prompt chunk decoded, no token generated), so this suggestion was given up. " +
                            "If a long prompt on a slow machine is the cause, raise --stall-timeout.");
                    }
                }
            }

            return await task.ConfigureAwait(false);
        }
        finally
        {
            if (!task.IsCompleted)
            {
                await engineCall.CancelAsync().ConfigureAwait(false);
                _ = task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
        }
    }
}
