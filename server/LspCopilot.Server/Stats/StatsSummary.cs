namespace LspCopilot.Server.Stats;

/// <summary>
/// One row of the statistics: suggestions served, shown (or served, for an editor that reports accepts but not
/// shows), accepted in full or in part, characters accepted, the acceptance rate, and latency from keystroke to first
/// ghost text. <see cref="NoData"/>: none of its suggestions came from an editor that reports show/accept events, so
/// its rate is unknown rather than 0%.
/// </summary>
public sealed record StatsRow(string Name, int Served, int Shown, int Accepted, int PartiallyAccepted, long CharsAccepted, double? AcceptanceRate, double? P50Ms, double? P95Ms, bool NoData);

/// <summary>Suggestions whose latency fell in [<see cref="FromMs"/>, <see cref="ToMs"/>) (no upper bound when null).</summary>
public sealed record LatencyBucket(double FromMs, double? ToMs, int Count);

/// <summary>What <c>lspcopilot stats</c> and <c>lspcopilot/stats</c> report: the store's suggestions since a time.</summary>
public sealed record StatsSummary(DateTimeOffset? Since, int Suggestions, StatsRow Total, IReadOnlyList<StatsRow> Editors, IReadOnlyList<StatsRow> Languages, IReadOnlyList<StatsRow> Models, IReadOnlyList<LatencyBucket> Histogram)
{
    /// <summary>What the statistics say for an editor that never reported a shown or accepted suggestion.</summary>
    public const string NoDataNote = "no data from this editor";

    private static readonly double[] s_bucketEdges = [50, 100, 200, 400, 800, 1600];

    /// <summary>Joins the events by suggestion id and counts the suggestions first seen at or after <paramref name="since"/>.</summary>
    public static StatsSummary Compute(IEnumerable<StatsEvent> events, DateTimeOffset? since)
    {
        var suggestions = new Dictionary<string, Suggestion>(StringComparer.Ordinal);
        foreach (var e in events)
        {
            if (!suggestions.TryGetValue(e.Id, out var s))
            {
                suggestions[e.Id] = s = new Suggestion { FirstSeen = e.Timestamp };
            }

            s.FirstSeen = Math.Min(s.FirstSeen, e.Timestamp);
            s.Editor ??= e.Editor;
            s.Language ??= e.Language;
            s.Model ??= e.Model;
            switch (e.Kind)
            {
                case StatsKinds.Served:
                    s.Served = true;
                    s.Latency = e.LatencyMs;
                    s.Length = e.Chars ?? 0;
                    s.Declared |= e.Reports == true;
                    break;
                case StatsKinds.Shown:
                    s.Shown = true;
                    break;
                case StatsKinds.Accepted:
                    s.Accepted = true;
                    s.AcceptedChars = Math.Max(s.AcceptedChars, e.Chars ?? s.Length);
                    break;
                case StatsKinds.Partial:
                    s.PartialChars = Math.Max(s.PartialChars, e.Chars ?? 0);
                    break;
            }
        }

        var cutoff = since?.ToUnixTimeMilliseconds() ?? long.MinValue;
        var inWindow = suggestions.Values.Where(s => s.FirstSeen >= cutoff).ToList();
        foreach (var s in inWindow)
        {
            s.Editor ??= "unnamed editor";
            s.Language ??= "unknown";
            s.Model ??= "unknown";
        }

        // Per editor: does it report at all, and does it report what it shows (else every served suggestion counts as shown)?
        var reporting = inWindow.GroupBy(s => s.Editor!).ToDictionary(g => g.Key, g => (Reports: g.Any(s => s.Declared || s.Shown || s.Accepted || s.PartialChars > 0), Shows: g.Any(s => s.Shown)));
        foreach (var s in inWindow)
        {
            var editor = reporting[s.Editor!];
            s.Reported = editor.Reports;
            s.Counted = editor.Reports && (!editor.Shows || s.Shown || s.Accepted || s.PartialChars > 0);
        }

        var rows = (Func<Suggestion, string> key) => inWindow.GroupBy(key).Select(g => Row(g.Key, [.. g])).OrderByDescending(r => r.Served).ThenBy(r => r.Name, StringComparer.Ordinal).ToList();
        return new StatsSummary(since, inWindow.Count, Row("all", inWindow), rows(s => s.Editor!), rows(s => s.Language!), rows(s => s.Model!), BuildHistogram(inWindow));
    }

    private static StatsRow Row(string name, IReadOnlyList<Suggestion> group)
    {
        var counted = group.Where(s => s.Counted).ToList();
        var accepted = counted.Count(s => s.Accepted);
        var partial = counted.Count(s => !s.Accepted && s.PartialChars > 0);
        var chars = counted.Sum(s => (long)(s.Accepted ? s.AcceptedChars : s.PartialChars));
        var latencies = group.Where(s => s.Latency is not null).Select(s => s.Latency!.Value).Order().ToList();
        return new StatsRow(
            name,
            group.Count(s => s.Served),
            counted.Count,
            accepted,
            partial,
            chars,
            counted.Count == 0 ? null : (double)(accepted + partial) / counted.Count,
            Percentile(latencies, 50),
            Percentile(latencies, 95),
            NoData: !group.Any(s => s.Reported));
    }

    /// <summary>Nearest rank: the smallest value with at least p% of the values at or below it.</summary>
    public static double? Percentile(IReadOnlyList<double> sorted, double p)
    {
        if (sorted.Count == 0)
        {
            return null;
        }

        var rank = (int)Math.Ceiling(p / 100 * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }

    private static List<LatencyBucket> BuildHistogram(IEnumerable<Suggestion> suggestions)
    {
        var latencies = suggestions.Where(s => s.Latency is not null).Select(s => s.Latency!.Value).ToList();
        var buckets = new List<LatencyBucket>();
        var from = 0.0;
        foreach (var edge in s_bucketEdges)
        {
            buckets.Add(new LatencyBucket(from, edge, latencies.Count(l => l >= from && l < edge)));
            from = edge;
        }

        buckets.Add(new LatencyBucket(from, null, latencies.Count(l => l >= from)));
        return buckets;
    }

    private sealed class Suggestion
    {
        public long FirstSeen { get; set; }
        public string? Editor { get; set; }
        public string? Language { get; set; }
        public string? Model { get; set; }
        public bool Served { get; set; }
        public double? Latency { get; set; }
        public int Length { get; set; }
        public bool Declared { get; set; }
        public bool Shown { get; set; }
        public bool Accepted { get; set; }
        public int AcceptedChars { get; set; }
        public int PartialChars { get; set; }
        public bool Reported { get; set; }
        public bool Counted { get; set; }
    }
}
