using LspCopilot.Completion;
using LspCopilot.Engine.Models;

namespace LspCopilot.Engine.Tests.Models;

/// <summary>
/// The product brief's case: a Qwen2.5-Coder-32B-shaped model at Q4_K (~18.6 GB, 64 layers,
/// 8 KV heads of 128) on a 16 GB + 8 GB pair. Built from tensor infos only: the planner never
/// needs the weights.
/// </summary>
public sealed class FitPlannerTests
{
    private const long GiB = 1L << 30;
    private static readonly ModelFacts s_coder32B = Coder32B();
    private static readonly FitDevice[] s_brief = [new("RTX 4080", 15 * GiB + (GiB / 2), 16 * GiB), new("RTX 4060", 7 * GiB + (GiB * 7 / 10), 8 * GiB)];

    [Fact]
    public void Plan_BriefBoxWithPreset_FitsWithLayersSplitTwoToOne()
    {
        var options = EnginePresets.Apply(EnginePresets.Dual16G8G, new EngineOptions { ContextSize = 8192 });

        var plan = FitPlanner.Plan(s_coder32B, options, s_brief, 60 * GiB);

        Assert.True(plan.Fits, Describe(plan));
        Assert.Equal(64, plan.Gpus.Sum(g => g.LayerCount));
        Assert.Equal(0, plan.Host.LayerCount);
        // llama.cpp splits 65 slots (64 layers + output): slot i goes to GPU 0 while i/65 < 2/3.
        Assert.Equal(44, plan.Gpus[0].LayerCount);
        Assert.True(plan.Gpus[1].HoldsOutput);
        Assert.Equal(s_coder32B.TokenEmbeddingBytes, plan.Host.WeightBytes);
        Assert.Null(plan.Suggestion);
    }

    [Fact]
    public void Plan_BriefBoxWithF16CacheAt32k_DoesNotFitAndSuggestsFewerLayers()
    {
        var options = EnginePresets.Apply(EnginePresets.Dual16G8G, new EngineOptions()) with { KvCacheType = "f16", ContextSize = 32_768 };

        var plan = FitPlanner.Plan(s_coder32B, options, s_brief, 60 * GiB);

        Assert.False(plan.Fits);
        Assert.StartsWith("--gpu-layers ", plan.Suggestion, StringComparison.Ordinal);
        Assert.Contains("--tensor-split 15.1,7.3", plan.Suggestion, StringComparison.Ordinal);
        Assert.Contains("--kv-cache-type q8_0", plan.Suggestion, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_SuggestedOptions_ActuallyFit()
    {
        var options = new EngineOptions { SplitMode = "layer", TensorSplit = [1f, 1f], ContextSize = 16_384 };
        var plan = FitPlanner.Plan(s_coder32B, options, s_brief, 60 * GiB);
        Assert.False(plan.Fits);
        var layers = int.Parse(plan.Suggestion!.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);

        var retry = FitPlanner.Plan(s_coder32B, options with { GpuLayers = layers, TensorSplit = [15.1f, 7.3f] }, s_brief, 60 * GiB);

        Assert.True(retry.Gpus.All(g => g.Fits), Describe(retry));
        Assert.Equal(64 - layers, retry.Host.LayerCount);
    }

    [Fact]
    public void Plan_SplitModeNone_EverythingOnTheMainGpu()
    {
        var plan = FitPlanner.Plan(s_coder32B, new EngineOptions { SplitMode = "none", MainGpu = 1, ContextSize = 4096 }, s_brief, 60 * GiB);

        Assert.Single(plan.Gpus);
        Assert.StartsWith("GPU 1", plan.Gpus[0].Name, StringComparison.Ordinal);
        Assert.False(plan.Fits);
    }

    [Fact]
    public void Plan_NoGpu_EverythingInHostRamAndCheckedAgainstIt()
    {
        var roomy = FitPlanner.Plan(s_coder32B, new EngineOptions { ContextSize = 4096 }, [], 60 * GiB);
        var tight = FitPlanner.Plan(s_coder32B, new EngineOptions { ContextSize = 4096 }, [], 8 * GiB);

        Assert.True(roomy.Fits);
        Assert.Empty(roomy.Gpus);
        Assert.Equal(64, roomy.Host.LayerCount);
        Assert.Equal(s_coder32B.WeightBytes, roomy.Host.WeightBytes);
        Assert.False(tight.Fits);
    }

    [Fact]
    public void Plan_GpuLayersZero_NothingOffloaded()
    {
        var plan = FitPlanner.Plan(s_coder32B, new EngineOptions { GpuLayers = 0, ContextSize = 4096 }, s_brief, 60 * GiB);

        Assert.Empty(plan.Gpus);
        Assert.Equal(64, plan.Host.LayerCount);
    }

    [Fact]
    public void Plan_DefaultSplit_FollowsFreeMemory()
    {
        var plan = FitPlanner.Plan(s_coder32B, new EngineOptions { SplitMode = "layer", ContextSize = 4096 }, [new("a", 12 * GiB), new("b", 12 * GiB)], 60 * GiB);

        Assert.Equal(33, plan.Gpus[0].LayerCount);
        Assert.Equal(31, plan.Gpus[1].LayerCount);
        Assert.True(plan.Gpus[1].HoldsOutput);
    }

    [Fact]
    public void Remaining_AfterTheCoder_EachCardKeepsWhatThePlanDoesNotUse()
    {
        var options = EnginePresets.Apply(EnginePresets.Dual16G8G, new EngineOptions { ContextSize = 8192 });
        var plan = FitPlanner.Plan(s_coder32B, options, s_brief, 60 * GiB);

        var (gpus, host) = FitPlanner.Remaining(plan, s_brief, 60 * GiB);

        Assert.Equal(s_brief[0].FreeBytes - plan.Gpus[0].TotalBytes, gpus[0].FreeBytes);
        Assert.Equal(s_brief[1].FreeBytes - plan.Gpus[1].TotalBytes, gpus[1].FreeBytes);
        Assert.Equal((60 * GiB) - plan.Host.TotalBytes, host);
    }

    [Fact]
    public void ChatModelBesideTheCoder_ASmallOneFits_ASecond32BDoesNotAndGetsASuggestion()
    {
        var options = EnginePresets.Apply(EnginePresets.Dual16G8G, new EngineOptions { ContextSize = 4096 });
        var plan = FitPlanner.Plan(s_coder32B, options, s_brief, 60 * GiB);
        var (gpus, host) = FitPlanner.Remaining(plan, s_brief, 60 * GiB);

        var small = FitPlanner.Plan(Qwen("qwen2.5-0.5b-instruct-q4_k_m.gguf", embedding: 896, kvWidth: 128, ffn: 4864, layers: 24, heads: 14, kvHeads: 2), options, gpus, host);
        var large = FitPlanner.Plan(s_coder32B, options, gpus, host);

        Assert.True(plan.Fits, Describe(plan));
        Assert.True(small.Fits, Describe(small));
        Assert.False(large.Fits);
        Assert.NotNull(large.Suggestion);
    }

    [Fact]
    public void EffectiveContext_NoOption_TrainingContextCappedLikeTheEngine()
    {
        Assert.Equal(EngineOptions.DefaultMaxContext, FitPlanner.EffectiveContext(s_coder32B, new EngineOptions()));
    }

    private static string Describe(FitPlan plan) => string.Join("; ", plan.Gpus.Append(plan.Host).Select(d => $"{d.Name}: {d.LayerCount} layers {d.TotalBytes / (double)GiB:F2} of {d.AvailableBytes / (double)GiB:F2} GiB"));

    private static ModelFacts Coder32B() => Qwen("qwen2.5-coder-32b-q4_k_m.gguf", embedding: 5120, kvWidth: 1024, ffn: 27_648, layers: 64, heads: 40, kvHeads: 8);

    /// <summary>A Qwen2-shaped model at Q4_K (output at Q6_K), from tensor infos only.</summary>
    private static ModelFacts Qwen(string name, int embedding, int kvWidth, int ffn, int layers, uint heads, uint kvHeads)
    {
        const int vocab = 152_064;
        const int q4k = 12, q6k = 14;
        var tensors = new List<GgufTensorInfo> { new("token_embd.weight", [embedding, vocab], q4k, 0) };
        for (var l = 0; l < layers; l++)
        {
            tensors.Add(new($"blk.{l}.attn_q.weight", [embedding, embedding], q4k, 0));
            tensors.Add(new($"blk.{l}.attn_k.weight", [embedding, kvWidth], q4k, 0));
            tensors.Add(new($"blk.{l}.attn_v.weight", [embedding, kvWidth], q4k, 0));
            tensors.Add(new($"blk.{l}.attn_output.weight", [embedding, embedding], q4k, 0));
            tensors.Add(new($"blk.{l}.ffn_gate.weight", [embedding, ffn], q4k, 0));
            tensors.Add(new($"blk.{l}.ffn_up.weight", [embedding, ffn], q4k, 0));
            tensors.Add(new($"blk.{l}.ffn_down.weight", [ffn, embedding], q4k, 0));
        }

        tensors.Add(new("output_norm.weight", [embedding], 0, 0));
        tensors.Add(new("output.weight", [embedding, vocab], q6k, 0));
        var metadata = new Dictionary<string, GgufValue>
        {
            ["general.architecture"] = GgufValue.Of("qwen2"),
            ["general.file_type"] = GgufValue.Of(15u),
            ["qwen2.block_count"] = GgufValue.Of((uint)layers),
            ["qwen2.context_length"] = GgufValue.Of(32_768u),
            ["qwen2.embedding_length"] = GgufValue.Of((uint)embedding),
            ["qwen2.attention.head_count"] = GgufValue.Of(heads),
            ["qwen2.attention.head_count_kv"] = GgufValue.Of(kvHeads),
            ["qwen2.vocab_size"] = GgufValue.Of((uint)vocab),
        };
        var gguf = new GgufFile { Version = 3, Metadata = metadata, MetadataOrder = [.. metadata.Keys], Tensors = tensors, DataOffset = 0, Alignment = 32 };
        return ModelFacts.From(name, gguf, tensors.Sum(t => GgmlTypes.ByteSize(t.Type, t.Dimensions.Aggregate(1L, (a, d) => a * d)) ?? 0));
    }
}
