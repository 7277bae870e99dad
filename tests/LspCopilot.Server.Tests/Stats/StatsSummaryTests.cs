using LspCopilot.Server.Stats;

namespace LspCopilot.Server.Tests.Stats;

/// <summary>What the statistics make of known events: rates, characters, percentiles, and editors that report nothing.</summary>
public sealed class StatsSummaryTests
{
    internal static readonly DateTimeOffset Now = new(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);

    internal static StatsEvent Event(string kind, string id, string editor, string language = "csharp", string model = "coder.gguf", double? latency = null, int? chars = null, bool? reports = null, TimeSpan? ago = null) => new()
    {
        Kind = kind,
        Id = id,
        Timestamp = (Now - (ago ?? TimeSpan.FromHours(1))).ToUnixTimeMilliseconds(),
        Editor = editor,
        Language = language,
        Model = model,
        LatencyMs = latency,
        Chars = chars,
        Reports = reports,
    };

    /// <summary>
    /// VS Code: 4 served (declares it reports), 1 accepted in full (20 chars); Emacs: 2 served, shown both, 1 partly
    /// accepted (5 chars), 1 served but never shown; Neovim: 3 served, never any event. Latencies 10..90 ms.
    /// </summary>
    internal static List<StatsEvent> KnownEvents() =>
    [
        Event(StatsKinds.Served, "v1", "Visual Studio Code", latency: 10, chars: 20, reports: true),
        Event(StatsKinds.Served, "v2", "Visual Studio Code", latency: 20, chars: 30, reports: true),
        Event(StatsKinds.Served, "v3", "Visual Studio Code", language: "python", latency: 30, chars: 5, reports: true),
        Event(StatsKinds.Served, "v4", "Visual Studio Code", language: "python", model: "other.gguf", latency: 40, chars: 8, reports: true),
        Event(StatsKinds.Accepted, "v1", "Visual Studio Code", chars: 20),
        Event(StatsKinds.Served, "e1", "Emacs", latency: 50, chars: 12),
        Event(StatsKinds.Shown, "e1", "Emacs"),
        Event(StatsKinds.Partial, "e1", "Emacs", chars: 3),
        Event(StatsKinds.Partial, "e1", "Emacs", chars: 5),
        Event(StatsKinds.Served, "e2", "Emacs", latency: 60, chars: 9),
        Event(StatsKinds.Shown, "e2", "Emacs"),
        Event(StatsKinds.Served, "e3", "Emacs", latency: 70, chars: 9),
        Event(StatsKinds.Served, "n1", "Neovim", latency: 80, chars: 7),
        Event(StatsKinds.Served, "n2", "Neovim", latency: 90, chars: 7),
        Event(StatsKinds.Served, "n3", "Neovim", latency: 90, chars: 7),
    ];

    [Fact]
    public void Compute_EditorThatNeverReports_HasNoDataRatherThanZero()
    {
        var summary = StatsSummary.Compute(KnownEvents(), null);

        var neovim = Assert.Single(summary.Editors, r => r.Name == "Neovim");
        Assert.True(neovim.NoData);
        Assert.Null(neovim.AcceptanceRate);
        Assert.Equal(3, neovim.Served);
        Assert.Equal(0, neovim.Shown);
        Assert.Equal("no data from this editor", StatsOutput.Rate(neovim));
    }

    [Fact]
    public void Compute_EditorThatReportsAcceptsOnly_CountsEveryServedSuggestionAsShown()
    {
        var summary = StatsSummary.Compute(KnownEvents(), null);

        var code = Assert.Single(summary.Editors, r => r.Name == "Visual Studio Code");
        Assert.False(code.NoData);
        Assert.Equal(4, code.Shown);
        Assert.Equal(1, code.Accepted);
        Assert.Equal(0.25, code.AcceptanceRate);
        Assert.Equal(20, code.CharsAccepted);
    }

    [Fact]
    public void Compute_EditorThatReportsShows_CountsOnlyShownSuggestions()
    {
        var summary = StatsSummary.Compute(KnownEvents(), null);

        var emacs = Assert.Single(summary.Editors, r => r.Name == "Emacs");
        Assert.Equal(3, emacs.Served);
        Assert.Equal(2, emacs.Shown); // e3 was served but never shown
        Assert.Equal(0, emacs.Accepted);
        Assert.Equal(1, emacs.PartiallyAccepted);
        Assert.Equal(5, emacs.CharsAccepted); // the largest partial acceptance, not the sum
        Assert.Equal(0.5, emacs.AcceptanceRate);
    }

    [Fact]
    public void Compute_Total_RateOverReportingEditorsAndLatencyOverAll()
    {
        var summary = StatsSummary.Compute(KnownEvents(), null);

        Assert.Equal(10, summary.Suggestions);
        Assert.Equal(6, summary.Total.Shown); // 4 VS Code + 2 Emacs; Neovim's are not counted
        Assert.Equal(2.0 / 6, summary.Total.AcceptanceRate!.Value, 6);
        Assert.Equal(25, summary.Total.CharsAccepted);
        Assert.Equal(50, summary.Total.P50Ms); // nearest rank of 10, 20, …, 90, 90
        Assert.Equal(90, summary.Total.P95Ms);
        Assert.Equal(10, summary.Histogram.Sum(b => b.Count));
        Assert.Equal(4, summary.Histogram.Single(b => b.FromMs == 0).Count); // [0, 50 ms): 10, 20, 30, 40
    }

    [Fact]
    public void Compute_ByLanguageAndModel()
    {
        var summary = StatsSummary.Compute(KnownEvents(), null);

        var python = Assert.Single(summary.Languages, r => r.Name == "python");
        Assert.Equal(2, python.Served);
        Assert.Equal(0.0, python.AcceptanceRate);
        var other = Assert.Single(summary.Models, r => r.Name == "other.gguf");
        Assert.Equal(1, other.Served);
        Assert.Equal(40, other.P50Ms);
    }

    [Fact]
    public void Compute_Since_LeavesOutOlderSuggestions()
    {
        var events = KnownEvents();
        events.Add(Event(StatsKinds.Served, "old", "Visual Studio Code", latency: 5000, chars: 3, reports: true, ago: TimeSpan.FromDays(10)));
        events.Add(Event(StatsKinds.Accepted, "old", "Visual Studio Code", chars: 3, ago: TimeSpan.FromDays(10)));

        var week = StatsSummary.Compute(events, Now - TimeSpan.FromDays(7));
        var all = StatsSummary.Compute(events, null);

        Assert.Equal(10, week.Suggestions);
        Assert.Equal(11, all.Suggestions);
        Assert.Equal(0, week.Histogram[^1].Count);
        Assert.Equal(1, all.Histogram[^1].Count);
    }

    [Fact]
    public void Compute_DeclaredEditorWithNothingAccepted_IsZeroPercent()
    {
        var summary = StatsSummary.Compute([Event(StatsKinds.Served, "x", "Visual Studio Code", latency: 1, chars: 1, reports: true)], null);

        var code = Assert.Single(summary.Editors);
        Assert.False(code.NoData);
        Assert.Equal(0.0, code.AcceptanceRate);
        Assert.Equal("0%", StatsOutput.Rate(code));
    }

    [Theory]
    [InlineData("7d", 7 * 24.0)]
    [InlineData("12h", 12.0)]
    [InlineData("30m", 0.5)]
    [InlineData("2w", 14 * 24.0)]
    public void Period_Units(string text, double hours)
    {
        Assert.True(StatsPeriod.TryParse(text, Now, out var since, out _));
        Assert.Equal(Now - TimeSpan.FromHours(hours), since);
    }

    [Theory]
    [InlineData("7")]
    [InlineData("d")]
    [InlineData("-3d")]
    [InlineData("3y")]
    public void Period_Bad_SaysWhatToWrite(string text)
    {
        Assert.False(StatsPeriod.TryParse(text, Now, out _, out var error));
        Assert.Contains("30m, 12h, 7d, 2w", error, StringComparison.Ordinal);
    }
}
