using System.Text.Json;
using LspCopilot.Server.Cli;
using LspCopilot.Server.Stats;
using LspCopilot.TestSupport;

namespace LspCopilot.Server.Tests.Stats;

/// <summary><c>lspcopilot stats</c> over a store holding known events: the tables, the histogram and the JSON.</summary>
public sealed class StatsCommandTests
{
    private static async Task<TempFolder> StoreWithKnownEventsAsync()
    {
        var folder = new TempFolder();
        var store = new StatsStore(folder.Path);
        foreach (var e in StatsSummaryTests.KnownEvents())
        {
            store.Append(e, null);
        }

        await store.FlushAsync();
        return folder;
    }

    [Fact]
    public async Task Stats_Text_ShowsRatesByEditorLanguageModelAndAHistogram()
    {
        using var folder = await StoreWithKnownEventsAsync();
        var stdout = new StringWriter();

        var code = StatsCommand.Run(folder.Path, "7d", json: false, stdout, new StringWriter(), StatsSummaryTests.Now);

        Assert.Equal(0, code);
        var text = stdout.ToString();
        Assert.Contains("Overall: 33.3% accepted, 25 characters, latency p50 50 ms, p95 90 ms", text, StringComparison.Ordinal);
        var lines = text.Split('\n');
        Assert.Contains(lines, l => l.Contains("Visual Studio Code", StringComparison.Ordinal) && l.Contains("25%", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("Neovim", StringComparison.Ordinal) && l.Contains("no data from this editor", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("python", StringComparison.Ordinal) && l.Contains("0%", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("other.gguf", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("0-50 ms", StringComparison.Ordinal) && l.TrimEnd().EndsWith('4'));
        Assert.Contains(lines, l => l.Contains(">= 1600 ms", StringComparison.Ordinal) && l.TrimEnd().EndsWith('0'));
    }

    [Fact]
    public async Task Stats_Json_CarriesTheSameFigures()
    {
        using var folder = await StoreWithKnownEventsAsync();
        var stdout = new StringWriter();

        Assert.Equal(0, StatsCommand.Run(folder.Path, "all", json: true, stdout, new StringWriter(), StatsSummaryTests.Now));

        using var json = JsonDocument.Parse(stdout.ToString());
        var root = json.RootElement;
        Assert.Equal(10, root.GetProperty("suggestions").GetInt32());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("since").ValueKind);
        Assert.Equal(0.3333, root.GetProperty("total").GetProperty("acceptanceRate").GetDouble());
        Assert.Equal(50, root.GetProperty("total").GetProperty("p50Ms").GetDouble());
        var neovim = root.GetProperty("editors").EnumerateArray().Single(e => e.GetProperty("name").GetString() == "Neovim");
        Assert.Equal(JsonValueKind.Null, neovim.GetProperty("acceptanceRate").ValueKind);
        Assert.Equal("no data from this editor", neovim.GetProperty("note").GetString());
        var emacs = root.GetProperty("editors").EnumerateArray().Single(e => e.GetProperty("name").GetString() == "Emacs");
        Assert.Equal(1, emacs.GetProperty("partiallyAccepted").GetInt32());
        Assert.Equal(5, emacs.GetProperty("charsAccepted").GetInt64());
        Assert.Equal(7, root.GetProperty("latencyHistogram").GetArrayLength());
    }

    [Fact]
    public void Stats_EmptyStore_SaysNothingWasRecordedAndWhatToTry()
    {
        using var folder = new TempFolder();
        var stdout = new StringWriter();

        Assert.Equal(0, StatsCommand.Run(folder.Path, "7d", json: false, stdout, new StringWriter(), StatsSummaryTests.Now));

        Assert.Contains("No suggestions recorded since", stdout.ToString(), StringComparison.Ordinal);
        Assert.Contains("--since all", stdout.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Stats_BadPeriod_ExitsTwoWithTheForms()
    {
        using var folder = new TempFolder();
        var stderr = new StringWriter();

        Assert.Equal(2, StatsCommand.Run(folder.Path, "yesterday", json: false, new StringWriter(), stderr, StatsSummaryTests.Now));
        Assert.Contains("use a number and a unit", stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stats_AsAProcess_ReadsXdgStateHome()
    {
        using var state = new TempFolder();
        var store = new StatsStore(Path.Combine(state.Path, "lspcopilot"));
        foreach (var e in StatsSummaryTests.KnownEvents())
        {
            store.Append(e with { Timestamp = DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeMilliseconds() }, null);
        }

        await store.FlushAsync();

        var result = await CliProcess.RunAsync(["stats", "--since", "1d", "--json"], new Dictionary<string, string?> { ["XDG_STATE_HOME"] = state.Path }, TestContext.Current.CancellationToken);

        Assert.Equal(0, result.ExitCode);
        using var json = JsonDocument.Parse(result.Stdout);
        Assert.Equal(10, json.RootElement.GetProperty("suggestions").GetInt32());
        Assert.Equal(Path.Combine(state.Path, "lspcopilot"), json.RootElement.GetProperty("store").GetString());
    }
}
