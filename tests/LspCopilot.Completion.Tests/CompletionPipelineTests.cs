using LspCopilot.TestSupport;
using Microsoft.CodeAnalysis.Text;

namespace LspCopilot.Completion.Tests;

public sealed class CompletionPipelineTests
{
    private const string Text = "def run():\n    \n";

    [Fact]
    public async Task CompleteAsync_RankerPrefersASampledCandidate_ReturnsItAndTheEngineRemembersIt()
    {
        using var engine = new FakeEngine("bad()\nbad()", "good()\ngood()", "bad()\nbad()");
        var plan = new CompletionPlan(CompletionMode.MultiLine) { Ranker = new PreferContaining("good") };
        var pipeline = new CompletionPipeline(engine, new FixedPlan(plan), new GenerationOptions(), ServerLog.Silent);

        var suggestion = await pipeline.CompleteAsync(Document(), Text.Length - 1, null, TestContext.Current.CancellationToken);

        Assert.Equal("good()\ngood()", suggestion!.Text);
        Assert.Equal(3, suggestion.CandidatesSampled);
        var (request, remembered) = Assert.Single(engine.Remembered);
        Assert.Equal("good()\ngood()", remembered);
        Assert.Equal(0f, request.Generation.Temperature);
    }

    [Fact]
    public async Task CompleteAsync_GreedyCandidateIsClean_OneEngineCallAndNothingToRemember()
    {
        using var engine = new FakeEngine("good()\ngood()", "other()");
        var plan = new CompletionPlan(CompletionMode.MultiLine) { Ranker = new PreferContaining("good") };
        var pipeline = new CompletionPipeline(engine, new FixedPlan(plan), new GenerationOptions(), ServerLog.Silent);

        var suggestion = await pipeline.CompleteAsync(Document(), Text.Length - 1, null, TestContext.Current.CancellationToken);

        Assert.Equal("good()\ngood()", suggestion!.Text);
        Assert.Single(engine.Requests);
        Assert.Empty(engine.Remembered);
    }

    [Fact]
    public async Task CompleteAsync_PlanWithoutRanker_GreedyOnly()
    {
        using var engine = new FakeEngine("bad()\nbad()", "good()");
        var pipeline = new CompletionPipeline(engine, new TextCompletionGate(), new GenerationOptions(), ServerLog.Silent);

        var suggestion = await pipeline.CompleteAsync(Document(), Text.Length - 1, null, TestContext.Current.CancellationToken);

        Assert.Equal("bad()\nbad()", suggestion!.Text);
        Assert.Single(engine.Requests);
    }

    [Fact]
    public async Task CompleteAsync_PlanWithCleaner_TheCleanerShapesTheText()
    {
        using var engine = new FakeEngine("value");
        var plan = new CompletionPlan(CompletionMode.SingleLine) { Cleaner = new Upper() };
        var pipeline = new CompletionPipeline(engine, new FixedPlan(plan), new GenerationOptions(), ServerLog.Silent);

        var suggestion = await pipeline.CompleteAsync(Document(), Text.Length - 1, null, TestContext.Current.CancellationToken);

        Assert.Equal("VALUE", suggestion!.Text);
    }

    private static DocumentSnapshot Document() => new("file:///work/run.py", "python", 1, SourceText.From(Text));

    private sealed class FixedPlan(CompletionPlan plan) : ICompletionContextProvider
    {
        public ValueTask<CompletionPlan?> PlanAsync(DocumentSnapshot document, int offset, CancellationToken cancellationToken) => ValueTask.FromResult<CompletionPlan?>(plan);
    }

    /// <summary>Candidates containing <paramref name="word"/> add no errors; the others add one each.</summary>
    private sealed class PreferContaining(string word) : ICandidateRanker
    {
        public Task<CandidateRanking> RankAsync(DocumentSnapshot document, int offset, IReadOnlyList<string> candidates, CancellationToken cancellationToken)
        {
            var ranked = candidates
                .Select((text, index) => new RankedCandidate(index, text, text.Contains(word, StringComparison.Ordinal) ? 0 : 1, []))
                .OrderBy(c => c.AddedErrors)
                .ThenBy(c => c.Index)
                .ToList();
            return Task.FromResult(new CandidateRanking(ranked, 0));
        }
    }

    private sealed class Upper : ISuggestionCleaner
    {
        public string Clean(string generated, string suffix, CompletionMode mode) => generated.ToUpperInvariant();
    }
}
