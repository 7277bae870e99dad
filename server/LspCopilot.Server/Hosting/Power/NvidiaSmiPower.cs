using System.Globalization;
using LspCopilot.Engine.Models;

namespace LspCopilot.Server.Hosting.Power;

/// <summary>One card in one nvidia-smi reading. A field nvidia-smi reports as [N/A] (or could not be read) is null.</summary>
public sealed record GpuReading(int Index, string Name, double? Watts, double? MemoryUsedMiB, double? UtilizationPercent);

/// <summary>One nvidia-smi reading: the cards it listed, or why there is none (<see cref="Problem"/>).</summary>
public sealed record GpuPowerRead(IReadOnlyList<GpuReading> Cards, string? Problem, bool NoGpu)
{
    public static GpuPowerRead Failed(string problem, bool noGpu) => new([], problem, noGpu);
}

/// <summary>
/// Reads board power, memory and utilisation per card with the query the issue names:
/// <c>nvidia-smi --query-gpu=index,name,power.draw,memory.used,utilization.gpu --format=csv</c> (header and units
/// included, so columns are found by name). A missing nvidia-smi, a failing or hanging one, or output that is not that
/// CSV yields a reading with a problem, never an exception.
/// </summary>
public sealed class NvidiaSmiPower(string executable = "nvidia-smi", TimeSpan? timeout = null)
{
    public const string Query = "--query-gpu=index,name,power.draw,memory.used,utilization.gpu";

    private readonly TimeSpan _timeout = timeout ?? TimeSpan.FromSeconds(5);

    public string Executable => executable;

    public async Task<GpuPowerRead> ReadAsync(CancellationToken cancellationToken)
    {
        var run = await NvidiaSmi.RunAsync(executable, [Query, "--format=csv"], _timeout, cancellationToken).ConfigureAwait(false);
        return run.Outcome switch
        {
            NvidiaSmiOutcome.Output => Parse(run.Text),
            NvidiaSmiOutcome.NotFound => GpuPowerRead.Failed("no NVIDIA GPU visible (nvidia-smi not found)", noGpu: true),
            NvidiaSmiOutcome.TimedOut => GpuPowerRead.Failed($"nvidia-smi {run.Reason}", noGpu: false),
            _ => GpuPowerRead.Failed($"nvidia-smi failed: {run.Reason}", noGpu: false),
        };
    }

    /// <summary>Parses <c>--format=csv</c> output: a header naming the columns (with units), then one line per card.</summary>
    public static GpuPowerRead Parse(string csv)
    {
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (lines.Length == 0)
        {
            return GpuPowerRead.Failed("nvidia-smi printed nothing", noGpu: false);
        }

        var header = lines[0].Split(',').Select(h => h.Trim().Split(' ')[0].ToLowerInvariant()).ToList();
        int Column(string name) => header.IndexOf(name);
        int index = Column("index"), name = Column("name"), power = Column("power.draw"), memory = Column("memory.used"), utilization = Column("utilization.gpu");
        if (index < 0 || name < 0 || power < 0)
        {
            return GpuPowerRead.Failed($"nvidia-smi's output is not the CSV asked for: '{Shorten(lines[0])}'", noGpu: false);
        }

        var cards = new List<GpuReading>();
        foreach (var line in lines.Skip(1))
        {
            var fields = line.Split(',').Select(f => f.Trim()).ToArray();
            if (fields.Length != header.Count || !int.TryParse(fields[index], NumberStyles.Integer, CultureInfo.InvariantCulture, out var cardIndex))
            {
                return GpuPowerRead.Failed($"nvidia-smi's output is not the CSV asked for: '{Shorten(line)}'", noGpu: false);
            }

            cards.Add(new GpuReading(cardIndex, fields[name], Number(fields[power]), memory < 0 ? null : Number(fields[memory]), utilization < 0 ? null : Number(fields[utilization])));
        }

        return cards.Count == 0 ? GpuPowerRead.Failed("no NVIDIA GPU visible (nvidia-smi listed none)", noGpu: true) : new GpuPowerRead(cards, null, false);
    }

    /// <summary>"123.45 W", "1024 MiB", "7 %" → the number; "[N/A]" or anything else → null.</summary>
    private static double? Number(string field)
    {
        var number = field.Split(' ')[0];
        return double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value) && value >= 0 ? value : null;
    }

    private static string Shorten(string text) => text.Length > 80 ? text[..80] + "…" : text;
}
