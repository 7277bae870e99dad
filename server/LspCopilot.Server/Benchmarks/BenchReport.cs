using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.Json;

namespace LspCopilot.Server.Benchmarks;

/// <summary>What a benchmark measured: rows for the table, and flat numeric keys for --json.</summary>
public sealed class BenchReport
{
    private readonly List<(string Scenario, double? TtftMs, double? TokensPerSecond, string Note)> _rows = [];
    private readonly List<(string Name, double Value, double? Goal, bool HigherIsBetter)> _ratios = [];

    public SortedDictionary<string, double> Metrics { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, string> Facts { get; } = new(StringComparer.Ordinal);

    /// <summary>Notes how long the benchmark ran and writes the report to stdout: JSON for --json, else the table.</summary>
    public void Print(bool json, TimeSpan elapsed)
    {
        Facts["elapsed_s"] = elapsed.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture);
        Console.WriteLine(json ? ToJson() : ToTable());
    }

    /// <summary>Notes the machine's one-minute load average (on Linux): a benchmark taken while other work ran is meaningless.</summary>
    public void NoteLoadAverage()
    {
        if (File.Exists("/proc/loadavg"))
        {
            Facts["load_average"] = File.ReadAllText("/proc/loadavg").Split(' ')[0];
        }
    }

    public void Row(string scenario, double? ttftMs, double? tokensPerSecond, string note = "") =>
        _rows.Add((scenario, ttftMs, tokensPerSecond, note));

    public void Ratio(string name, double value, double? goal = null, bool higherIsBetter = true)
    {
        _ratios.Add((name, value, goal, higherIsBetter));
        Metrics[name] = value;
    }

    public string ToJson()
    {
        var json = new JsonObject();
        foreach (var (key, value) in Facts)
        {
            json[key] = value;
        }

        foreach (var (key, value) in Metrics)
        {
            json[key] = double.IsFinite(value) ? Math.Round(value, 3) : null;
        }

        return json.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    public string ToTable()
    {
        var c = CultureInfo.InvariantCulture;
        var lines = new List<string>();
        foreach (var (key, value) in Facts)
        {
            lines.Add($"{key}: {value}");
        }

        lines.Add(string.Empty);
        lines.Add($"{"scenario",-48} {"TTFT ms",10} {"tokens/s",10}  note");
        lines.Add(new string('-', 90));
        foreach (var (scenario, ttft, tps, note) in _rows)
        {
            lines.Add(string.Format(c, "{0,-48} {1,10} {2,10}  {3}", scenario, ttft?.ToString("F2", c) ?? "", tps?.ToString("F0", c) ?? "", note));
        }

        lines.Add(string.Empty);
        lines.Add($"{"ratio / figure",-48} {"value",10} {"goal",10}");
        lines.Add(new string('-', 72));
        foreach (var (name, value, goal, higher) in _ratios)
        {
            var verdict = goal is null ? "" : (higher ? value >= goal : value <= goal) ? "  met" : "  NOT met";
            lines.Add(string.Format(c, "{0,-48} {1,10:F2} {2,10}{3}", name, value, goal is null ? "" : (higher ? "≥ " : "≤ ") + goal.Value.ToString(c), verdict));
        }

        return string.Join(Environment.NewLine, lines);
    }
}
