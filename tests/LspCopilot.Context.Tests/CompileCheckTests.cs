using LspCopilot.Completion;
using LspCopilot.TestSupport;

namespace LspCopilot.Context.Tests;

public sealed class CompileCheckTests
{
    private const string Program = """
        namespace App;

        public static class Calculator
        {
            public static int Twice(int value) => value * 2;
        }

        public class Program
        {
            public int Run(int input)
            {
                $$
                return input;
            }
        }
        """;

    [Fact]
    public async Task RankAsync_CandidateAddingAnError_RankedBelowACleanOne()
    {
        using var workspace = TempWorkspace.Create(("App.csproj", "<Project Sdk=\"Microsoft.NET.Sdk\"><PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup></Project>"));
        using var provider = workspace.Provider();
        var (document, offset) = await workspace.OpenAsync(provider, "Program.cs", Program);

        var ranking = await provider.RankAsync(document, offset, ["input = Calculator.Thrice(input);", "input = Calculator.Twice(input);"], TestContext.Current.CancellationToken);

        Assert.Equal(1, ranking.Ranked[0].Index);
        Assert.Equal(0, ranking.Ranked[0].AddedErrors);
        Assert.Equal(1, ranking.Dropped);
        Assert.DoesNotContain(ranking.Ranked, r => r.Index == 0);
    }

    [Fact]
    public async Task RankAsync_AllCandidatesAddErrors_FewestErrorsFirstNoneDropped()
    {
        using var workspace = TempWorkspace.Create(("App.csproj", "<Project Sdk=\"Microsoft.NET.Sdk\"><PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup></Project>"));
        using var provider = workspace.Provider();
        var (document, offset) = await workspace.OpenAsync(provider, "Program.cs", Program);

        var ranking = await provider.RankAsync(document, offset, ["input = Missing(Other());", "input = Missing(input);"], TestContext.Current.CancellationToken);

        Assert.Equal(0, ranking.Dropped);
        Assert.Equal([1, 0], ranking.Ranked.Select(r => r.Index));
        Assert.True(ranking.Ranked[0].AddedErrors < ranking.Ranked[1].AddedErrors);
    }

    [Fact]
    public async Task RankAsync_UnbalancedBrace_CountsAsAnError()
    {
        using var workspace = TempWorkspace.Create(("App.csproj", "<Project Sdk=\"Microsoft.NET.Sdk\"><PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup></Project>"));
        using var provider = workspace.Provider();
        var (document, offset) = await workspace.OpenAsync(provider, "Program.cs", Program);

        var ranking = await provider.RankAsync(document, offset, ["input++; }", "input++;"], TestContext.Current.CancellationToken);

        Assert.Equal(1, ranking.Ranked[0].Index);
        Assert.Equal(1, ranking.Dropped);
    }

    [Fact]
    public async Task CompleteAsync_GreedyCandidateAddsAnError_ReturnsTheCleanSample()
    {
        using var workspace = TempWorkspace.Create(("App.csproj", "<Project Sdk=\"Microsoft.NET.Sdk\"><PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup></Project>"));
        using var provider = workspace.Provider();
        var (document, offset) = await workspace.OpenAsync(provider, "Program.cs", Program);
        using var engine = new FakeEngine("input = Calculator.Thrice(input);", "input = Calculator.Twice(input);", "input = 3;");
        var pipeline = new CompletionPipeline(engine, provider, new GenerationOptions(), ServerLog.Silent);
        var streamed = new List<string>();

        var suggestion = await pipeline.CompleteAsync(document, offset, streamed.Add, TestContext.Current.CancellationToken);

        Assert.Equal("input = Calculator.Twice(input);", suggestion!.Text);
        Assert.Equal(3, suggestion.CandidatesSampled);
        Assert.Equal(1, suggestion.CandidatesDropped);
        Assert.Equal(["input = Calculator.Thrice(input);"], streamed);
        Assert.Equal([0f, 0.8f, 0.8f], engine.Requests.Select(r => r.Generation.Temperature));
        Assert.Equal(3, engine.Requests.Select(r => r.Generation.Seed).Distinct().Count());
    }

    [Fact]
    public async Task CompleteAsync_GreedyCandidateClean_NoMoreSampling()
    {
        using var workspace = TempWorkspace.Create(("App.csproj", "<Project Sdk=\"Microsoft.NET.Sdk\"><PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup></Project>"));
        using var provider = workspace.Provider();
        var (document, offset) = await workspace.OpenAsync(provider, "Program.cs", Program);
        using var engine = new FakeEngine("input = Calculator.Twice(input);", "input = Calculator.Thrice(input);");
        var pipeline = new CompletionPipeline(engine, provider, new GenerationOptions(), ServerLog.Silent);

        var suggestion = await pipeline.CompleteAsync(document, offset, null, TestContext.Current.CancellationToken);

        Assert.Equal("input = Calculator.Twice(input);", suggestion!.Text);
        Assert.Single(engine.Requests);
        Assert.Equal(1, suggestion.CandidatesSampled);
    }

    [Fact]
    public async Task CompleteAsync_CandidatesOne_NoCompileCheck()
    {
        using var workspace = TempWorkspace.Create(("App.csproj", "<Project Sdk=\"Microsoft.NET.Sdk\"><PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup></Project>"));
        using var provider = workspace.Provider();
        var (document, offset) = await workspace.OpenAsync(provider, "Program.cs", Program);
        using var engine = new FakeEngine("input = Calculator.Thrice(input);", "input = Calculator.Twice(input);");
        var pipeline = new CompletionPipeline(engine, provider, new GenerationOptions(), ServerLog.Silent) { Candidates = 1 };

        var suggestion = await pipeline.CompleteAsync(document, offset, null, TestContext.Current.CancellationToken);

        Assert.Equal("input = Calculator.Thrice(input);", suggestion!.Text);
        Assert.Single(engine.Requests);
    }
}
