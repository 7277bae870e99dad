using System.Diagnostics;
using System.Globalization;

namespace LspCopilot.Server.Benchmarks.Soak;

/// <summary>A process's resident memory in MB: the whole, and (on Linux) its anonymous and file-backed parts.</summary>
internal readonly record struct ResidentMemory(double Total, double? Anonymous, double? File);

/// <summary>A process's memory sampled over a run, in MB by seconds since the run began.</summary>
internal sealed class MemorySeries
{
    private readonly List<(double Seconds, double Mb)> _samples = [];

    public IReadOnlyList<(double Seconds, double Mb)> Samples => _samples;

    public void Add(double seconds, double? mb)
    {
        if (mb is { } value)
        {
            _samples.Add((seconds, value));
        }
    }

    /// <summary>The first sample at or after <paramref name="seconds"/>; NaN when none.</summary>
    public double At(double seconds) => _samples.FirstOrDefault(s => s.Seconds >= seconds) is { Seconds: > 0 } s ? s.Mb : double.NaN;

    public double Last => _samples.Count == 0 ? double.NaN : _samples[^1].Mb;

    /// <summary>
    /// Median over the last third of <paramref name="duration"/> minus median over the second third: the
    /// first third (start-up, JIT, caches filling) is left out, and medians ignore a collection's dip.
    /// </summary>
    public double Growth(double duration) => Growth(_samples, duration);

    public static double Growth(IReadOnlyList<(double Seconds, double Mb)> samples, double duration)
    {
        var second = samples.Where(s => s.Seconds >= duration / 3 && s.Seconds < 2 * duration / 3).Select(s => s.Mb).ToList();
        var last = samples.Where(s => s.Seconds >= 2 * duration / 3 && s.Seconds <= duration).Select(s => s.Mb).ToList();
        return second.Count == 0 || last.Count == 0 ? double.NaN : EngineBenchmark.Median(last) - EngineBenchmark.Median(second);
    }

    /// <summary>The resident set of a process in MB (VmRSS on Linux); null when it is gone.</summary>
    public static double? ResidentMb(int pid) => Resident(pid)?.Total;

    /// <summary>
    /// The resident set of a process in MB, and on Linux its parts: anonymous memory (the GC heap,
    /// native allocations) and file-backed pages (mapped assemblies and Roslyn's reference assemblies,
    /// which grow as more of them is read and are given back under memory pressure). Null when it is gone.
    /// </summary>
    public static ResidentMemory? Resident(int pid)
    {
        if (pid <= 0)
        {
            return null;
        }

        try
        {
            var status = $"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/status";
            if (File.Exists(status))
            {
                double? total = null, anon = null, file = null;
                foreach (var line in File.ReadLines(status))
                {
                    // e.g. "VmRSS:	  123456 kB"
                    if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                    {
                        total = Kb(line);
                    }
                    else if (line.StartsWith("RssAnon:", StringComparison.Ordinal))
                    {
                        anon = Kb(line);
                    }
                    else if (line.StartsWith("RssFile:", StringComparison.Ordinal))
                    {
                        file = Kb(line);
                    }
                }

                return total is { } mb ? new ResidentMemory(mb, anon, file) : null;
            }

            using var process = Process.GetProcessById(pid);
            return process.HasExited ? null : new ResidentMemory(process.WorkingSet64 / (1024.0 * 1024.0), null, null);
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or InvalidOperationException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }

    private static double Kb(string line)
    {
        var value = line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim().Split(' ')[0];
        return long.Parse(value, CultureInfo.InvariantCulture) / 1024.0;
    }
}
