using LspCopilot.Completion;
using LspCopilot.Engine.Models;
using LspCopilot.TestSupport;

namespace LspCopilot.Engine.Tests;

/// <summary>A context size the model was not trained for, or that cannot fit in memory, is refused before llama.cpp allocates it.</summary>
public sealed class ContextSizeCheckTests
{
    /// <summary>Only the bound on a hang: allocating a billion-token KV cache never finishes on a test machine.</summary>
    private static readonly TimeSpan s_hang = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(TestModels.Stories, 1_000_000_000u, "2,048")]
    [InlineData(TestModels.Quantized, 4096u, "512")]
    public async Task Load_ContextPastTheTrainedOne_RefusedAtOnceWithWhatToPass(string modelFile, uint contextSize, string trained)
    {
        var path = TestModels.Require(modelFile);

        var load = Task.Run(() => Record.Exception(() => LlamaEngine.Load(new EngineOptions { ModelPath = path, ContextSize = contextSize, Threads = 1, BatchThreads = 1 }, ServerLog.Silent)), TestContext.Current.CancellationToken);
        var ex = Assert.IsType<ModelLoadException>(await load.WaitAsync(s_hang, TestContext.Current.CancellationToken));

        Assert.Contains($"The context size {contextSize:N0} tokens", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"was trained for ({trained} tokens)", ex.Message, StringComparison.Ordinal);
        Assert.Contains("of memory for the weights and the f16 KV cache", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"Pass --context-size {trained.Replace(",", string.Empty, StringComparison.Ordinal)} or less", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_TheTrainedContext_Loads()
    {
        var path = TestModels.Require(TestModels.Stories);

        using var engine = LlamaEngine.Load(new EngineOptions { ModelPath = path, ContextSize = 2048, Threads = 1, BatchThreads = 1 }, ServerLog.Silent);

        Assert.Equal(2048, engine.ContextSize);
    }

    [Fact]
    public void Problem_WithinTheTrainedContextButPastFreeMemory_NamesTheNeedTheFreeAndTheMostThatFits()
    {
        var model = ModelFacts.Read(TestModels.Require(TestModels.Stories));
        var options = new EngineOptions { ContextSize = 2048 };
        var need = MemoryEstimate.For(model, 2048, "f16").TotalBytes;
        var free = MemoryEstimate.For(model, 1024, "f16").TotalBytes + 1;

        var problem = ContextSizeCheck.Problem(model, options, free, " in host RAM");

        Assert.NotNull(problem);
        Assert.Contains($"needs {ByteUnits.Format(need)} of memory", problem, StringComparison.Ordinal);
        Assert.Contains($"where only {ByteUnits.Format(free)} is free in host RAM", problem, StringComparison.Ordinal);
        Assert.Contains("Pass --context-size 1024 or less (the most that fits now)", problem, StringComparison.Ordinal);
        Assert.Contains("--kv-cache-type q8_0", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Problem_FitsTheTrainingAndTheMemory_None()
    {
        var model = ModelFacts.Read(TestModels.Require(TestModels.Stories));

        Assert.Null(ContextSizeCheck.Problem(model, new EngineOptions { ContextSize = 2048 }, 1L << 30));
        Assert.Null(ContextSizeCheck.Problem(model, new EngineOptions { ContextSize = 2048 }, availableBytes: null));
        Assert.Null(ContextSizeCheck.Problem(model, new EngineOptions(), 1));
    }

    [Fact]
    public void DefaultContext_FitsInFreeMemory_TheTrainedContextWithoutAWord()
    {
        var model = ModelFacts.Read(TestModels.Require(TestModels.Stories));

        var context = ContextSizeCheck.DefaultContext(model, new EngineOptions(), 1L << 30, " in host RAM", out var warning);

        Assert.Equal(2048u, context);
        Assert.Null(warning);
        Assert.Equal(2048u, ContextSizeCheck.DefaultContext(model, new EngineOptions(), availableBytes: null, string.Empty, out _));
    }

    [Fact]
    public void DefaultContext_PastFreeMemory_ShrinksToTheMostThatFits_AndSaysHowToGetMore()
    {
        var model = ModelFacts.Read(TestModels.Require(TestModels.Stories));
        var free = MemoryEstimate.For(model, 1280, "f16").TotalBytes + 1;

        var context = ContextSizeCheck.DefaultContext(model, new EngineOptions(), free, " in host RAM", out var warning);

        Assert.Equal(1280u, context);
        Assert.NotNull(warning);
        Assert.Contains("The default context of 2,048 tokens", warning, StringComparison.Ordinal);
        Assert.Contains($"where only {ByteUnits.Format(free)} is free in host RAM: using 1,280 tokens instead", warning, StringComparison.Ordinal);
        Assert.Contains("--kv-cache-type q8_0", warning, StringComparison.Ordinal);
    }

    [Fact]
    public void DefaultContext_NotEvenASmallContextFits_RefusedWithWhatToDo()
    {
        var model = ModelFacts.Read(TestModels.Require(TestModels.Stories));
        var free = MemoryEstimate.For(model, 512, "f16").TotalBytes;

        var ex = Assert.Throws<ModelLoadException>(() => ContextSizeCheck.DefaultContext(model, new EngineOptions(), free, " in host RAM", out _));

        Assert.Contains("does not fit in the memory free now", ex.Message, StringComparison.Ordinal);
        Assert.Contains("1,024-token f16 KV cache", ex.Message, StringComparison.Ordinal);
        Assert.Contains("smaller quantization", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_WithoutAContextSize_GetsTheTrainedContext()
    {
        using var engine = LlamaEngine.Load(new EngineOptions { ModelPath = TestModels.Require(TestModels.Stories), Threads = 1, BatchThreads = 1 }, ServerLog.Silent);

        Assert.Equal(2048, engine.ContextSize);
    }

    [Fact]
    public void AvailableMemory_HostShortAndLayersOnTheGpus_CountsTheGpusFreeMemoryToo()
    {
        var gpus = new[] { Gpu(0, 16L << 30), Gpu(1, 8L << 30) };

        var (bytes, where) = ContextSizeCheck.AvailableMemory(20L << 30, new EngineOptions(), 4L << 30, () => true, () => gpus);

        Assert.Equal(28L << 30, bytes);
        Assert.Equal(" in host RAM and on the GPUs", where);
    }

    [Fact]
    public void AvailableMemory_HostEnoughOrNoOffload_HostOnly_AndNvidiaSmiNeverAsked()
    {
        IReadOnlyList<GpuInfo> NeverAsked() => throw new InvalidOperationException("nvidia-smi asked");

        Assert.Equal((8L << 30, " in host RAM"), ContextSizeCheck.AvailableMemory(1L << 30, new EngineOptions(), 8L << 30, () => true, NeverAsked));
        Assert.Equal((1L << 30, " in host RAM"), ContextSizeCheck.AvailableMemory(4L << 30, new EngineOptions { GpuLayers = 0 }, 1L << 30, () => true, NeverAsked));
        Assert.Equal((1L << 30, " in host RAM"), ContextSizeCheck.AvailableMemory(4L << 30, new EngineOptions(), 1L << 30, () => false, NeverAsked));
    }

    [Fact]
    public void AvailableMemory_UnknownHostOrGpuMemory_Unknown_SoNothingIsRefused()
    {
        Assert.Null(ContextSizeCheck.AvailableMemory(1, new EngineOptions(), hostFree: null, () => true, () => []).Bytes);
        Assert.Null(ContextSizeCheck.AvailableMemory(4L << 30, new EngineOptions(), 1L << 30, () => true, () => [Gpu(0, null)]).Bytes);
        Assert.Null(ContextSizeCheck.AvailableMemory(4L << 30, new EngineOptions(), 1L << 30, () => true, () => []).Bytes);
    }

    [Fact]
    public void Problem_PastHostMemoryButWithinHostAndGpus_None()
    {
        var model = ModelFacts.Read(TestModels.Require(TestModels.Stories));
        var need = MemoryEstimate.For(model, 2048, "f16").TotalBytes;
        var (bytes, where) = ContextSizeCheck.AvailableMemory(need, new EngineOptions(), need / 2, () => true, () => [Gpu(0, need)]);

        Assert.Null(ContextSizeCheck.Problem(model, new EngineOptions { ContextSize = 2048 }, bytes, where));
    }

    private static GpuInfo Gpu(int index, long? free) => new(index, "Test GPU", 24L << 30, free, PowerDrawWatts: null, PowerLimitWatts: null, DriverVersion: null);
}
