using LspCopilot.Engine;
using LspCopilot.Server.Protocol;
using LspCopilot.TestSupport;

namespace LspCopilot.Server.Tests.EndToEnd;

public sealed class InitializationOptionsTests
{
    [Fact]
    public async Task EngineOptionsFromTheEditor_AppliedToTheLoadedModel()
    {
        await using var server = InMemoryServer.Start(TestModels.Require(TestModels.Fim));

        await server.Client.InitializeAsync(new { contextSize = 512, threads = 1, prefillChunk = 32 });
        var engine = Assert.IsType<EngineScheduler>(await server.Model.EngineAsync);

        var llama = Assert.IsType<LlamaEngine>(engine.Inner);
        Assert.Equal(512, llama.ContextSize);
        Assert.Equal(1, llama.Options.Threads);
        Assert.Equal(32, llama.Options.PrefillChunk);
    }

    [Fact]
    public async Task BadEngineOptionFromTheEditor_SkippedWithAWarning_ModelStillLoads()
    {
        await using var server = InMemoryServer.Start(TestModels.Require(TestModels.Fim));

        await server.Client.InitializeAsync(new { kvCacheType = "q3_banana" });
        var engine = await server.Model.EngineAsync;

        Assert.NotNull(engine);
        var warning = await server.Client.WaitForNotificationAsync(Protocol.LspMethods.LogMessage, m => m.GetProperty("message").GetString()!.Contains("q3_banana", StringComparison.Ordinal));
        Assert.Equal(Protocol.MessageType.Warning, warning.GetProperty("type").GetInt32());
    }
}
