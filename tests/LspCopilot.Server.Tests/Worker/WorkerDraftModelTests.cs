using LspCopilot.Completion;
using LspCopilot.Engine;
using LspCopilot.TestSupport;

namespace LspCopilot.Server.Tests.Worker;

/// <summary>--draft-model reaches a real worker process: it loads there, or is refused there with the reason.</summary>
public sealed class WorkerDraftModelTests
{
    [Fact]
    public void DraftModelWithAnotherVocabulary_WorkerRefusesWithTheReason()
    {
        var model = TestModels.Require(TestModels.Stories);
        var other = TestModels.Require(TestModels.Quantized);

        var error = Assert.Throws<ModelLoadException>(() => ChildWorkers.Start(model, options: new EngineOptions { DraftModelPath = other }));

        Assert.Contains("vocabulary differs", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DraftModel_ThroughAWorker_SameGreedyTextAsInProcessWithoutOne()
    {
        var model = TestModels.Require(TestModels.Stories);
        using var worker = ChildWorkers.Start(model, options: new EngineOptions { DraftModelPath = model, Speculation = "draft" });
        using var plain = LlamaEngine.Load(new EngineOptions { ModelPath = model, Speculation = "off" }, ServerLog.Silent);
        var request = ChildWorkers.Short() with { Generation = new GenerationOptions { MaxTokens = 48 } };

        var drafted = await worker.CompleteAsync(request, null, CancellationToken.None);
        var expected = await plain.CompleteAsync(request, null, CancellationToken.None);

        Assert.Equal(expected.Text, drafted.Text);
    }
}
