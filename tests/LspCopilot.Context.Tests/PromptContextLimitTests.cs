using LspCopilot.Completion;
using LspCopilot.TestSupport;

namespace LspCopilot.Context.Tests;

/// <summary>The sections are fitted to what the engine's prompt keeps of the context, dropping whole entries, never part of a line.</summary>
public sealed class PromptContextLimitTests
{
    private const string ServicePath = "Services/RestockService.cs";

    private static string ServiceWithCaret()
    {
        var original = File.ReadAllText(Path.Combine(RepoPaths.Root, "tests", "fixtures", "Inventory", ServicePath));
        return original.Replace("        return total;", "        var left = _warehouse.$$\n        return total;", StringComparison.Ordinal);
    }

    private static async Task<ContextResult> ContextAsync(int? limit)
    {
        using var workspace = TempWorkspace.FromFixture("Inventory");
        // No prompt window: the small fixture file would otherwise show most of what the sections hold.
        using var provider = new RoslynContextProvider([workspace.Folder], new AnalysisOptions { Window = new ContextWindow(0, 0) }, null, ServerLog.Silent) { PromptContextLimit = () => limit };
        var (document, offset) = await workspace.OpenAsync(provider, ServicePath, ServiceWithCaret());
        var context = await provider.BuildContextAsync(document, offset, TestContext.Current.CancellationToken);
        Assert.NotNull(context);
        return context;
    }

    [Fact]
    public async Task BuildContext_UnderEveryLimit_FitsItWithWholeEntriesOfTheUnlimitedSections()
    {
        var unlimited = await ContextAsync(null);
        var linesOf = unlimited.Sections.ToDictionary(s => s.Name, s => s.Text.Split('\n').ToHashSet(StringComparer.Ordinal));
        Assert.True(unlimited.Tokens > 300, $"the unlimited context is long enough to cut: {unlimited.Tokens}");

        foreach (var limit in new[] { 0, 10, 40, 100, 180, 300 })
        {
            var limited = await ContextAsync(limit);

            Assert.True(TokenEstimate.Count(limited.Rendered ?? string.Empty) <= limit, $"{limited.Tokens} tokens under a limit of {limit}");
            Assert.Equal(limited.Tokens, limited.Sections.Sum(s => TokenEstimate.Count(s.Text)));
            foreach (var section in limited.Sections)
            {
                Assert.EndsWith("\n", section.Text, StringComparison.Ordinal);
                Assert.All(section.Text.Split('\n'), line => Assert.Contains(line, linesOf[section.Name]));
            }
        }
    }

    [Fact]
    public async Task BuildContext_LimitOverTheBudget_TheBudgetDecides()
    {
        var unlimited = await ContextAsync(null);

        var generous = await ContextAsync(100_000);

        Assert.Equal(unlimited.Rendered, generous.Rendered);
    }
}
