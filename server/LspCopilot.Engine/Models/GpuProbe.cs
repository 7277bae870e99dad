using System.ComponentModel;
using System.Diagnostics;
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
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            CreateNoWindow = true,
        };
        start.ArgumentList.Add(Query);
        start.ArgumentList.Add("--format=csv,noheader,nounits");

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new Win32Exception("not started");
        }
        catch (Win32Exception)
        {
            return new GpuProbeResult([], "no NVIDIA GPU visible (nvidia-smi not found)");
        }

        using (process)
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(_timeout);
            try
            {
                var output = process.StandardOutput.ReadToEndAsync(deadline.Token);
                var error = process.StandardError.ReadToEndAsync(deadline.Token);
                await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
                var text = await output.ConfigureAwait(false);
                var problem = (await error.ConfigureAwait(false)).Trim();
                if (process.ExitCode != 0)
                {
                    var reason = FirstLine(problem) ?? FirstLine(text) ?? $"exit code {process.ExitCode}";
                    return new GpuProbeResult([], $"no NVIDIA GPU visible (nvidia-smi: {reason})");
                }

                var gpus = Parse(text);
                return new GpuProbeResult(gpus, gpus.Count == 0 ? "no NVIDIA GPU visible (nvidia-smi listed none)" : null);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                process.Kill(entireProcessTree: true);
                return new GpuProbeResult([], $"no NVIDIA GPU visible (nvidia-smi did not answer within {_timeout.TotalSeconds:N0} s)");
            }
        }
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

    private static string? FirstLine(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
}
