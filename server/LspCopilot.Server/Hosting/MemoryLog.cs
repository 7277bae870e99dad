using System.Diagnostics;
using System.Globalization;
using LspCopilot.Completion;

namespace LspCopilot.Server.Hosting;

/// <summary>
/// At debug level, logs the process's memory every <see cref="Interval"/>: the resident set next to the
/// managed heap, so growth can be told apart as managed (objects kept alive) or native (llama.cpp,
/// Roslyn's memory-mapped metadata, the runtime). <c>bench --suite soak</c> reads these lines.
/// </summary>
public static class MemoryLog
{
    public const string Prefix = "Memory: ";

    public static TimeSpan Interval { get; } = TimeSpan.FromSeconds(30);

    /// <summary>Logs until <paramref name="cancellationToken"/> is cancelled; nothing when debug logging is off.</summary>
    public static async Task RunAsync(ServerLog log, CancellationToken cancellationToken)
    {
        if (!log.IsEnabled(LogLevel.Debug))
        {
            return;
        }

        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                log.Debug(Describe());
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>One line: RSS, the GC heap after the last collection, what the GC holds from the OS, collections so far.</summary>
    public static string Describe()
    {
        using var process = Process.GetCurrentProcess();
        var info = GC.GetGCMemoryInfo(GCKind.Any);
        var c = CultureInfo.InvariantCulture;
        return string.Create(c, $"{Prefix}rss {Mb(process.WorkingSet64):F1} MB, gc heap {Mb(info.HeapSizeBytes):F1} MB, ")
            + string.Create(c, $"gc committed {Mb(info.TotalCommittedBytes):F1} MB, fragmented {Mb(info.FragmentedBytes):F1} MB, ")
            + string.Create(c, $"allocated now {Mb(GC.GetTotalMemory(false)):F1} MB, collections {GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)}.");
    }

    private static double Mb(long bytes) => bytes / (1024.0 * 1024.0);
}
