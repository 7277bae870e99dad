using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace LspCopilot.Server.Hosting.Power;

/// <summary>Power figures as text (every figure labelled with what it covers), as JSON, and as flat bench metrics.</summary>
public static class PowerOutput
{
    public static string ToText(PowerFigures f, string title)
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        void Line(string label, string value) => text.Append(c, $"  {label,-22}{value}\n");
        text.Append(title).Append('\n');
        if (f.Absent is not null)
        {
            text.Append("  not measured: ").Append(f.Absent).Append('\n');
            return text.ToString();
        }

        Line("window", string.Create(c, $"{f.Seconds:0.0} s, {f.Cards.Sum(x => x.Readings) / Math.Max(1, f.Cards.Count)} readings"));
        foreach (var card in f.Cards)
        {
            var idle = card.IdleWatts is double i ? string.Create(c, $", idle {i:0.0} W") : string.Empty;
            var missing = card.Missing > 0 ? $"; missing from {card.Missing} of {card.Readings + card.Missing} readings (the card disappeared?)" : string.Empty;
            Line($"GPU {card.Index} board", string.Create(c, $"{card.Name}: average {W(card.AverageWatts)}, peak {W(card.PeakWatts)}{idle}{missing}"));
        }

        Line("CPU package (RAPL)", f.CpuAverageWatts is double cpu ? string.Create(c, $"average {cpu:0.0} W") + (f.CpuIdleWatts is double ci ? string.Create(c, $", idle {ci:0.0} W") : string.Empty) : "not measured: " + f.CpuProblem);
        Line("rest of the box", f.BaseWatts is double b ? string.Create(c, $"{b:0.#} W (--base-watts, not measured)") : "not counted (pass --base-watts W)");
        Line("average power", string.Create(c, $"{f.LoadWatts:0.0} W") + (f.IdleWatts is double iw ? string.Create(c, $" (idle {iw:0.0} W)") : string.Empty) + " — " + f.Covers);
        Line("energy", string.Create(c, $"{f.Joules:0.#} J over {f.Seconds:0.0} s") + " — " + f.Covers);
        if (f.JoulesPerToken is double perToken)
        {
            Line("per generated token", string.Create(c, $"{perToken:0.###} J ({f.Tokens} tokens)") + (f.JoulesAboveIdlePerToken is double above ? string.Create(c, $"; {above:0.###} J above idle") : string.Empty));
        }

        if (f.JoulesPerCompletion is double perCompletion)
        {
            Line("per completion", string.Create(c, $"{perCompletion:0.##} J ({f.Completions} completions)"));
        }

        if (f.MonthlyKwh is double kwh)
        {
            Line("per month", string.Create(c, $"{kwh:0.#} kWh") + (f.MonthlyCost is double cost ? string.Create(c, $", cost {cost:0.00} at the price given") : " (pass --price-per-kwh P for the cost)") + " — " + MonthlyBasis(f));
        }

        foreach (var gap in f.NotCovered)
        {
            Line("not covered", gap);
        }

        if (f.UnreadableReadings > 0)
        {
            Line("unreadable", $"{f.UnreadableReadings} nvidia-smi reading(s) skipped: {f.FirstUnreadable}");
        }

        return text.ToString();
    }

    public static JsonObject ToJson(PowerFigures f) => new()
    {
        ["absent"] = f.Absent,
        ["covers"] = f.Absent is null ? f.Covers : null,
        ["not_covered"] = new JsonArray([.. f.NotCovered.Select(n => JsonValue.Create(n))]),
        ["seconds"] = Round(f.Seconds),
        ["gpus"] = new JsonArray([.. f.Cards.Select(card => new JsonObject
        {
            ["index"] = card.Index,
            ["name"] = card.Name,
            ["average_w"] = Round(card.AverageWatts),
            ["peak_w"] = Round(card.PeakWatts),
            ["idle_w"] = Round(card.IdleWatts),
            ["joules"] = Round(card.Joules),
            ["readings"] = card.Readings,
            ["missing"] = card.Missing,
        })]),
        ["cpu_package_w"] = Round(f.CpuAverageWatts),
        ["cpu_problem"] = f.CpuProblem,
        ["base_w"] = f.BaseWatts,
        ["average_w"] = f.Absent is null ? Round(f.LoadWatts) : null,
        ["idle_w"] = Round(f.IdleWatts),
        ["joules"] = f.Absent is null ? Round(f.Joules) : null,
        ["joules_per_token"] = Round(f.JoulesPerToken),
        ["joules_above_idle_per_token"] = Round(f.JoulesAboveIdlePerToken),
        ["joules_per_completion"] = Round(f.JoulesPerCompletion),
        ["monthly_kwh"] = Round(f.MonthlyKwh),
        ["monthly_cost"] = Round(f.MonthlyCost),
        ["unreadable_readings"] = f.UnreadableReadings,
    };

    /// <summary>Adds the figures to a bench report: numbers as metrics, labels and reasons as facts.</summary>
    public static void AddTo(Benchmarks.BenchReport report, PowerFigures f)
    {
        if (f.Absent is not null)
        {
            report.Facts["power"] = "not measured: " + f.Absent;
            return;
        }

        report.Facts["power_covers"] = f.Covers;
        if (f.NotCovered.Count > 0)
        {
            report.Facts["power_not_covered"] = string.Join("; ", f.NotCovered);
        }

        foreach (var card in f.Cards)
        {
            Metric(report, $"power_gpu{card.Index}_avg_w", card.AverageWatts);
            Metric(report, $"power_gpu{card.Index}_peak_w", card.PeakWatts);
        }

        Metric(report, "power_cpu_package_avg_w", f.CpuAverageWatts);
        Metric(report, "power_avg_w", f.LoadWatts);
        Metric(report, "power_idle_w", f.IdleWatts);
        Metric(report, "joules_per_token", f.JoulesPerToken);
        Metric(report, "joules_per_completion", f.JoulesPerCompletion);
        Metric(report, "monthly_kwh", f.MonthlyKwh);
        Metric(report, "monthly_cost", f.MonthlyCost);
    }

    private static string MonthlyBasis(PowerFigures f) =>
        f.IdleWatts is null ? "the run's average power for the hours a day given" : "the run's average power for the hours a day given, idle the rest of the day";

    private static void Metric(Benchmarks.BenchReport report, string name, double? value)
    {
        if (value is double v)
        {
            report.Metrics[name] = v;
        }
    }

    private static string W(double? watts) => watts is double w ? string.Create(CultureInfo.InvariantCulture, $"{w:0.0} W") : "n/a";

    private static double? Round(double? value) => value is double v ? Math.Round(v, 3) : null;
}
