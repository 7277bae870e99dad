using LspCopilot.Completion;
using LspCopilot.Engine;
using LspCopilot.TestSupport;
using Microsoft.CodeAnalysis.Text;

namespace LspCopilot.Server.Tests.Sessions;

/// <summary>
/// When the compile check replaces the greedy suggestion, a repeat of the request shows what the user
/// was shown — with the result cache in this process and in a worker.
/// </summary>
public sealed class CompileCheckChoiceTests
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
            }
        }
        """;

    [Fact]
    public async Task Repeat_InProcess_ServesTheCheckedChoiceFromTheCache()
    {
        using var scheduler = new EngineScheduler(Candidates(), new EngineOptions(), ServerLog.Silent);

        var (first, repeat) = await CompleteTwiceAsync(scheduler);

        Assert.Equal("input = Calculator.Twice(input);", first.Text);
        Assert.Equal(StopReason.Cached, repeat.Raw.Reason);
        Assert.Equal(first.Text, repeat.Text);
    }

    [Fact]
    public async Task Repeat_ThroughTheWorker_ServesTheCheckedChoiceFromTheWorkersCache()
    {
        await using var worker = await InMemoryWorker.StartAsync(new EngineScheduler(Candidates(), new EngineOptions(), ServerLog.Silent));

        var (first, repeat) = await CompleteTwiceAsync(worker.Remote);

        Assert.Equal("input = Calculator.Twice(input);", first.Text);
        Assert.Equal(StopReason.Cached, repeat.Raw.Reason);
        Assert.Equal(first.Text, repeat.Text);
    }

    [Theory]
    [InlineData("run.py", "python", CompletionMode.MultiLine)]
    // Markdown has no stop rules of its own: the engine is asked for one line, and nothing is compiled as C#.
    [InlineData("README.md", "markdown", CompletionMode.SingleLine)]
    public async Task Suggestion_InAnotherLanguage_IsNotCompiledAsCSharp_OneEngineCall(string file, string language, CompletionMode mode)
    {
        using var workspace = Workspace();
        using var provider = workspace.Provider();
        var engine = new FakeEngine("total = compute()\nprint(total)", "other", "other");
        var text = "def run():\n    \n";
        var offset = text.Length - 1;
        var document = new DocumentSnapshot(workspace.UriOf(file), language, 1, SourceText.From(text));
        provider.OnDocumentChanged(document.Uri, document);
        var pipeline = new CompletionPipeline(engine, provider, new GenerationOptions(), ServerLog.Silent);

        var plan = await provider.PlanAsync(document, offset, TestContext.Current.CancellationToken);
        var suggestion = await pipeline.CompleteAsync(document, offset, null, TestContext.Current.CancellationToken);

        Assert.Equal(mode, plan!.Mode);
        Assert.Null(plan.Ranker);
        Assert.Equal(mode, Assert.Single(engine.Requests).Mode);
        Assert.Equal("total = compute()\nprint(total)", suggestion!.Text);
    }

    /// <summary>The greedy candidate calls a method that does not exist; the sampled one compiles.</summary>
    private static FakeEngine Candidates() => new("input = Calculator.Thrice(input);", "input = Calculator.Twice(input);", "input = Calculator.Twice(input);");

    private static TempWorkspace Workspace() =>
        TempWorkspace.Create(("App.csproj", "<Project Sdk=\"Microsoft.NET.Sdk\"><PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup></Project>"));

    private static async Task<(Suggestion First, Suggestion Repeat)> CompleteTwiceAsync(ICompletionEngine engine)
    {
        using var workspace = Workspace();
        using var provider = workspace.Provider();
        var (document, offset) = await workspace.OpenAsync(provider, "Program.cs", Program);
        var pipeline = new CompletionPipeline(engine, provider, new GenerationOptions(), ServerLog.Silent);

        var first = await pipeline.CompleteAsync(document, offset, null, TestContext.Current.CancellationToken);
        var repeat = await pipeline.CompleteAsync(document, offset, null, TestContext.Current.CancellationToken);
        return (first!, repeat!);
    }
}
