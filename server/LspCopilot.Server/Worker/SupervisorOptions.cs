namespace LspCopilot.Server.Worker;

/// <summary>How <see cref="SupervisedEngine"/> restarts a worker that died.</summary>
public sealed record SupervisorOptions
{
    /// <summary>Delay before the first restart; doubled after each failure in a row.</summary>
    public TimeSpan FirstRestartDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan MaxRestartDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>A worker that ran this long before it died starts the backoff over.</summary>
    public TimeSpan StableAfter { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a request waits for a restarting worker before it fails.</summary>
    public TimeSpan RestartWait { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The delay before restart number <paramref name="failuresInARow"/> (1 = the first).</summary>
    public TimeSpan RestartDelay(int failuresInARow)
    {
        var doublings = Math.Clamp(failuresInARow - 1, 0, 30);
        var delay = FirstRestartDelay * Math.Pow(2, doublings);
        return delay < MaxRestartDelay ? delay : MaxRestartDelay;
    }
}
