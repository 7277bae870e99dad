using System.Globalization;

namespace LspCopilot.Engine.Models;

/// <summary>
/// Asks nvidia-smi for the NVIDIA GPUs: name, memory total/free, power draw. A machine without
/// nvidia-smi, or where it fails or hangs, yields no GPUs and a note, never an exception.
/// </summary>
public sealed class GpuProbe(string executable = "nvidia-smi", TimeSpan? timeout = null)
{
    public const string Query = "--query-gpu=index,name,memory.total,memory.free,power.draw,power.limit,driver_version";

    private readonly TimeSpan _timeout = timeout ?? TimeSpan.FromSeconds(10);

    public async Task<GpuProbeResult> ProbeAsync(CancellationToken cancellationToken)
    {
        var run = await NvidiaSmi.RunAsync(executable, [Query, "--format=csv,noheader,nounits"], _timeout, cancellationToken).ConfigureAwait(false);
        if (run.Outcome != NvidiaSmiOutcome.Output)
        {
            return new GpuProbeResult([], $"no NVIDIA GPU visible ({(run.Outcome == NvidiaSmiOutcome.NotFound ? run.Reason : "nvidia-smi: " + run.Reason)})");
        }

        var gpus = Parse(run.Text);
        return new GpuProbeResult(gpus, gpus.Count == 0 ? "no NVIDIA GPU visible (nvidia-smi listed none)" : null);
    }

    /// <summary>Parses <c>--format=csv,noheader,nounits</c> lines of <see cref="Query"/> (memory in MiB, power in W).</summary>
    public static IReadOnlyList<GpuInfo> Parse(string csv)
    {
        var gpus = new List<GpuInfo>();
        foreach (var raw in csv.Split('\n'))
        {
            var fields = raw.Trim().Split(',').Select(f => f.Trim()).ToArray();
            if (fields.Length < 7 || !int.TryParse(fields[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var index))
            {
                continue;
            }

            // A name could hold a comma: the five numeric fields are counted from the end.
            var n = fields.Length;
            var name = string.Join(", ", fields[1..(n - 5)]);
            gpus.Add(new GpuInfo(index, name, MiB(fields[n - 5]), MiB(fields[n - 4]), Number(fields[n - 3]), Number(fields[n - 2]), Text(fields[n - 1])));
        }

        return gpus;
    }

    private static double? Number(string field) =>
        double.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) ? v : null;

    private static long? MiB(string field) => Number(field) is double v ? (long)(v * 1024 * 1024) : null;

    private static string? Text(string field) => field.Length == 0 || field.StartsWith('[') ? null : field;

}
