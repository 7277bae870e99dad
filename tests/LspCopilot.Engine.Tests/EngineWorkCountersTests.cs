using LspCopilot.Completion;
using LspCopilot.TestSupport;

namespace LspCopilot.Engine.Tests;

/// <summary>The engine's totals of work done, which the power figures divide energy by.</summary>
public sealed class EngineWorkCountersTests
{
    [Fact]
    public async Task CompleteAsync_FinishedRequests_CountTheirGeneratedTokens_CancelledOnesNot()
    {
        using var engine = LlamaEngine.Load(new EngineOptions { ModelPath = TestModels.Require(TestModels.Fim) }, ServerLog.Silent);
        var request = new CompletionRequest("Once upon a time, there was a little", string.Empty, CompletionMode.MultiLine) { Generation = new GenerationOptions { MaxTokens = 8 } };

        var first = await engine.CompleteAsync(request, null, TestContext.Current.CancellationToken);
        var second = await engine.CompleteAsync(request with { Prefix = "Lily and Max went to the" }, null, TestContext.Current.CancellationToken);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => engine.CompleteAsync(request, null, cancelled.Token));

        Assert.Equal(2, engine.CompletedRequests);
        Assert.Equal(first.Stats.GeneratedTokens + second.Stats.GeneratedTokens, engine.GeneratedTokens);
        Assert.True(engine.GeneratedTokens > 0);
    }
}
