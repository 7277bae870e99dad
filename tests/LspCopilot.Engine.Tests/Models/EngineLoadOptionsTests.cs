using LspCopilot.Completion;
using LspCopilot.TestSupport;

namespace LspCopilot.Engine.Tests.Models;

/// <summary>The hardware options reach llama.cpp and a CPU build still loads with them.</summary>
public sealed class EngineLoadOptionsTests
{
    [Fact]
    public void Create_QuantizedKvWithoutAFlashAttentionChoice_TurnsFlashAttentionOn()
    {
        using var temp = new TempFolder();
        var path = temp.File("heads32.gguf");
        TestGguf.Model("llama", []).Set("llama.attention.key_length", 32u).Set("llama.attention.value_length", 32u).WriteTo(path);
        NativeBackend.Configure(ServerLog.Silent);

        var p = ModelParamsFactory.Create(path, new EngineOptions { KvCacheType = "q8_0" });

        Assert.True(p.FlashAttention);
        Assert.Equal(LLama.Native.GGMLType.GGML_TYPE_Q8_0, p.TypeV);
    }

    [Fact]
    public void Load_QuantizedKvThatCannotHoldTheHeads_RefusedWithAReasonInsteadOfCrashing()
    {
        // The tiny model's heads are 8 wide; llama.cpp's q8_0 blocks are 32. Letting it through kills the process.
        var path = TestModels.Require(TestModels.Fim);

        var ex = Assert.Throws<ModelLoadException>(() => LlamaEngine.Load(new EngineOptions { ModelPath = path, KvCacheType = "q8_0" }, ServerLog.Silent));

        Assert.Contains("multiple of 32", ex.Message, StringComparison.Ordinal);
        Assert.Contains("--kv-cache-type f16", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_QuantizedKvWithFlashAttentionOff_RefusedBeforeLlamaCppSeesIt()
    {
        var path = TestModels.Require(TestModels.Fim);

        var ex = Assert.Throws<ModelLoadException>(() => ModelParamsFactory.Create(path, new EngineOptions { KvCacheType = "q4_0", FlashAttention = false }));

        Assert.Contains("needs flash attention", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_TensorSplit_CopiedPerDevice()
    {
        var path = TestModels.Require(TestModels.Fim);
        NativeBackend.Configure(ServerLog.Silent);

        var p = ModelParamsFactory.Create(path, EnginePresets.Apply(EnginePresets.Dual16G8G, new EngineOptions()) with { KvCacheType = "f16" });

        Assert.Equal([2f, 1f, 0f], p.TensorSplits.Take(3));
        Assert.Equal(LLama.Native.GPUSplitMode.Layer, p.SplitMode);
    }

    [Fact]
    public async Task Load_DualCardPresetOnACpuBuild_LoadsAndCompletes()
    {
        var path = TestModels.Require(TestModels.Fim);
        // Split, tensor split, all layers and flash attention from the preset; f16 KV because the tiny model's heads are 8 wide.
        var options = EnginePresets.Apply(EnginePresets.Dual16G8G, new EngineOptions { ModelPath = path, ContextSize = 512, Threads = 2, BatchThreads = 2 }) with { KvCacheType = "f16" };

        using var engine = LlamaEngine.Load(options, ServerLog.Silent);
        var result = await engine.CompleteAsync(
            new CompletionRequest("Once upon a time", string.Empty, CompletionMode.MultiLine) { Generation = new GenerationOptions { MaxTokens = 4 } },
            null,
            TestContext.Current.CancellationToken);

        Assert.Equal(512, engine.ContextSize);
        Assert.Equal(4, result.Stats.GeneratedTokens);
    }
}
