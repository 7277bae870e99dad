using System.Globalization;

namespace LspCopilot.Server.Benchmarks;

/// <summary>
/// CPU time of this process's .NET background compiler thread (tiered compilation's re-JIT of hot methods), read from
/// <c>/proc/self/task</c>. On a 2-core box that thread takes its time from llama.cpp's spinning threads, so a benchmark
/// reports how much of it fell into its measured span.
/// </summary>
internal static class RuntimeCompilerTime
{
    /// <summary>The Linux thread names of the runtime's background compiler (names are cut to 15 characters).</summary>
    private const string ThreadName = ".NET Tiered Com";

    /// <summary>The compiler threads alive now and the CPU ticks each has used; null without <c>/proc</c>.</summary>
    public static IReadOnlyDictionary<string, long>? Snapshot(string tasks = "/proc/self/task")
    {
        if (!Directory.Exists(tasks))
        {
            return null;
        }

        var threads = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var task in Directory.EnumerateDirectories(tasks))
        {
            try
            {
                if (File.ReadAllText(Path.Combine(task, "comm")).TrimEnd().StartsWith(ThreadName, StringComparison.Ordinal))
                {
                    threads[Path.GetFileName(task)] = CpuTicks(File.ReadAllText(Path.Combine(task, "stat")));
                }
            }
            catch (IOException)
            {
                // The thread ended between the listing and the read.
            }
        }

        return threads;
    }

    /// <summary>
    /// CPU time the compiler used since <paramref name="before"/> (by threads alive now: the runtime ends an idle
    /// compiler thread after a few seconds, and what an ended one used is no longer readable, so this is a floor).
    /// </summary>
    public static TimeSpan? Since(IReadOnlyDictionary<string, long>? before)
    {
        if (before is null || Snapshot() is not { } now)
        {
            return null;
        }

        var ticks = now.Sum(t => t.Value - before.GetValueOrDefault(t.Key));
        return TimeSpan.FromMilliseconds(ticks * 10); // clock ticks are 1/100 s on Linux (USER_HZ)
    }

    /// <summary>utime + stime from a <c>/proc/…/stat</c> line (fields 14 and 15; the name in parentheses may hold spaces).</summary>
    internal static long CpuTicks(string stat)
    {
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
    }
}
