using LspCopilot.Completion;
using LspCopilot.Context;
using LspCopilot.Engine;
using LspCopilot.TestSupport;

namespace LspCopilot.Server.Tests.Sessions;

/// <summary>The Roslyn provider driving the real LLamaSharp engine on the tiny FIM model (mechanics, not quality).</summary>
public sealed class PipelineWithModelTests
{
    private const string Service = """
        using Inventory.Models;

        namespace Inventory.Services;

        public sealed class Audit
        {
            public int Count(Warehouse warehouse, string id)
            {
                var found = warehouse.$$
                return 0;
            }
        }
        """;

    [Fact]
    public async Task CompleteAsync_RoslynProviderAndRealEngine_PromptCarriesTheContext()
    {
        var model = TestModels.Require(TestModels.Fim);
        using var engine = LlamaEngine.Load(new EngineOptions { ModelPath = model, ContextSize = 2048 }, ServerLog.Silent);
        using var workspace = TempWorkspace.FromFixture("Inventory");
        using var provider = workspace.Provider(tokenizer: engine);
        var (document, offset) = await workspace.OpenAsync(provider, "Services/Audit.cs", Service);
        var generation = new GenerationOptions { MaxTokens = 24 };

        var plain = await new CompletionPipeline(engine, new TextCompletionGate(), generation, ServerLog.Silent).CompleteAsync(document, offset, null, TestContext.Current.CancellationToken);
        var withContext = await new CompletionPipeline(engine, provider, generation, ServerLog.Silent).CompleteAsync(document, offset, null, TestContext.Current.CancellationToken);
        var context = await provider.BuildContextAsync(document, offset, TestContext.Current.CancellationToken);

        Assert.NotNull(plain);
        Assert.NotNull(withContext);
        Assert.Equal(plain.Raw.Stats.PromptTokens + engine.CountTokens(context!.Rendered!), withContext.Raw.Stats.PromptTokens);
        Assert.DoesNotContain('\n', withContext.Text);
        Assert.InRange(withContext.CandidatesSampled, 1, 3);
    }

    [Fact]
    public async Task BuildContext_ModelTokenizer_RespectsTheBudget()
    {
        var model = TestModels.Require(TestModels.Fim);
        using var engine = LlamaEngine.Load(new EngineOptions { ModelPath = model, ContextSize = 512 }, ServerLog.Silent);
        using var workspace = TempWorkspace.FromFixture("Inventory");
        var options = new AnalysisOptions { Budget = new ContextBudget().ScaledTo(200) };
        using var provider = workspace.Provider(options, engine);
        var (document, offset) = await workspace.OpenAsync(provider, "Services/Audit.cs", Service);

        var context = await provider.BuildContextAsync(document, offset, TestContext.Current.CancellationToken);

        Assert.NotNull(context?.Rendered);
        Assert.InRange(engine.CountTokens(context.Rendered), 1, 200);
        Assert.All(context.Sections, s => Assert.Equal(engine.CountTokens(s.Text), s.Tokens));
    }
}
