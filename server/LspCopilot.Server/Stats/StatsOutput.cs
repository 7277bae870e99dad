using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Spectre.Console;

namespace LspCopilot.Server.Stats;

/// <summary>Writes a <see cref="StatsSummary"/> for people (Spectre.Console tables and a latency histogram) or as JSON.</summary>
public static class StatsOutput
{
    private static readonly JsonSerializerOptions s_json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public static string Json(StatsSummary summary, string store, string? problem) =>
        JsonSerializer.Serialize(new
        {
            store,
            problem,
            since = summary.Since,
            summary.Suggestions,
            total = Row(summary.Total),
            editors = summary.Editors.Select(Row),
            languages = summary.Languages.Select(Row),
            models = summary.Models.Select(Row),
            latencyHistogram = summary.Histogram,
        }, s_json);

    private static object Row(StatsRow row) => new
    {
        row.Name,
        row.Served,
        row.Shown,
        row.Accepted,
        row.PartiallyAccepted,
        row.CharsAccepted,
        acceptanceRate = row.AcceptanceRate is { } rate ? Math.Round(rate, 4) : (double?)null,
        note = row.NoData ? StatsSummary.NoDataNote : null,
        row.P50Ms,
        row.P95Ms,
    };

    public static void Text(IAnsiConsole console, StatsSummary summary, string store, string? problem)
    {
        var period = summary.Since is { } since ? "since " + since.ToLocalTime().ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) : "all recorded";
        if (problem is not null)
        {
            console.MarkupLine($"[yellow]warning:[/] {Markup.Escape(problem)}");
        }

        if (summary.Suggestions == 0)
        {
            console.WriteLine($"No suggestions recorded {period} (store: {store}).");
            console.WriteLine("Suggestions are recorded while an editor uses the server; try a longer period with --since 30d or --since all.");
            return;
        }

        console.WriteLine($"LspCopilot suggestions {period}: {summary.Suggestions} (store: {store})");
        console.WriteLine($"Overall: {Rate(summary.Total)} accepted, {summary.Total.CharsAccepted} characters, latency p50 {Ms(summary.Total.P50Ms)}, p95 {Ms(summary.Total.P95Ms)}");
        console.Write(Table("editor", summary.Editors));
        console.Write(Table("language", summary.Languages));
        console.Write(Table("model", summary.Models));
        console.WriteLine("Latency, keystroke to first ghost text:");
        var chart = new BarChart().Width(60);
        foreach (var bucket in summary.Histogram)
        {
            var label = bucket.ToMs is { } to ? $"{bucket.FromMs:0}-{to:0} ms" : $">= {bucket.FromMs:0} ms";
            chart.AddItem(label, bucket.Count, Color.Green);
        }

        console.Write(chart);
    }

    private static Table Table(string title, IReadOnlyList<StatsRow> rows)
    {
        var table = new Table().Border(TableBorder.Rounded);
        table.AddColumn(title);
        foreach (var column in new[] { "served", "shown", "accepted", "partial", "rate", "chars", "p50", "p95" })
        {
            table.AddColumn(new TableColumn(column).RightAligned());
        }

        foreach (var row in rows)
        {
            table.AddRow(
                Markup.Escape(row.Name),
                Count(row.Served),
                Count(row.Shown),
                Count(row.Accepted),
                Count(row.PartiallyAccepted),
                Markup.Escape(Rate(row)),
                Count(row.CharsAccepted),
                Ms(row.P50Ms),
                Ms(row.P95Ms));
        }

        return table;
    }

    /// <summary>The rate as a percentage, "no data from this editor" when nothing reported, "-" when nothing was shown.</summary>
    public static string Rate(StatsRow row) =>
        row.NoData ? StatsSummary.NoDataNote
        : row.AcceptanceRate is { } rate ? (rate * 100).ToString("0.#", CultureInfo.InvariantCulture) + "%"
        : "-";

    private static string Count(long n) => n.ToString(CultureInfo.InvariantCulture);

    private static string Ms(double? ms) => ms is { } value ? value.ToString("0", CultureInfo.InvariantCulture) + " ms" : "-";
}
