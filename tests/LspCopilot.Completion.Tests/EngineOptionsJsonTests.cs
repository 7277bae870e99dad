using System.Text.Json;

namespace LspCopilot.Completion.Tests;

public sealed class EngineOptionsJsonTests
{
    [Fact]
    public void Apply_AllKeys_MapOntoEngineOptions()
    {
        var options = Apply("""
            { "gpuLayers": 30, "splitMode": "layer", "tensorSplit": [2, 1], "mainGpu": 1, "flashAttention": true,
              "kvCacheType": "q8_0", "contextSize": 4096, "threads": 3, "mlock": true, "noMmap": true, "batchInvariant": true, "modelPath": "/m.gguf" }
            """, out var problems);

        Assert.Empty(problems);
        Assert.Equal(30, options.GpuLayers);
        Assert.Equal("layer", options.SplitMode);
        Assert.Equal([2f, 1f], options.TensorSplit);
        Assert.Equal(1, options.MainGpu);
        Assert.True(options.FlashAttention);
        Assert.Equal("q8_0", options.KvCacheType);
        Assert.Equal(4096u, options.ContextSize);
        Assert.Equal((3, 3), (options.Threads, options.BatchThreads));
        Assert.True(options.UseMlock);
        Assert.False(options.UseMmap);
        Assert.True(options.BatchInvariant);
    }

    [Fact]
    public void Apply_PresetWithOverride_KeyOverridesPresetWhateverTheOrder()
    {
        var options = Apply("""{ "kvCacheType": "f16", "preset": "dual-16g-8g" }""", out var problems);

        Assert.Empty(problems);
        Assert.Equal("f16", options.KvCacheType);
        Assert.Equal([2f, 1f], options.TensorSplit);
    }

    [Fact]
    public void Apply_StringForms_AcceptedLikeTheCommandLine()
    {
        var options = Apply("""{ "gpuLayers": "all", "tensorSplit": "3,1", "splitMode": "LAYER" }""", out var problems);

        Assert.Empty(problems);
        Assert.Equal(-1, options.GpuLayers);
        Assert.Equal([3f, 1f], options.TensorSplit);
        Assert.Equal("layer", options.SplitMode);
    }

    [Fact]
    public void Apply_BadValues_SkippedWithMessagesAndOthersStillApplied()
    {
        var options = Apply("""{ "gpuLayers": "many", "kvCacheType": "q3", "tensorSplit": [1, "a"], "threads": 0, "contextSize": 2048 }""", out var problems);

        Assert.Equal(4, problems.Count);
        Assert.Contains(problems, p => p.StartsWith("gpuLayers", StringComparison.Ordinal));
        Assert.Equal(new EngineOptions().GpuLayers, options.GpuLayers);
        Assert.Equal(2048u, options.ContextSize);
    }

    [Fact]
    public void Apply_NativeLibDir_RefusedFromAClient()
    {
        var options = Apply("""{ "nativeLibDir": "/tmp/evil" }""", out var problems);

        Assert.Null(options.NativeLibDir);
        Assert.Contains(problems, p => p.Contains("--native-lib-dir", StringComparison.Ordinal));
    }

    [Fact]
    public void Apply_QuantizedKvWithFlashAttentionOff_ReportsTheConflict()
    {
        Apply("""{ "kvCacheType": "q4_0", "flashAttention": false }""", out var problems);

        Assert.Contains(problems, p => p.Contains("needs flash attention", StringComparison.Ordinal));
    }

    [Fact]
    public void Apply_NotAnObject_IgnoredWithAMessage()
    {
        var options = Apply("[1, 2]", out var problems);

        Assert.Equal(new EngineOptions(), options);
        Assert.Single(problems);
    }

    [Fact]
    public void Apply_Null_NoChangeNoProblems()
    {
        Assert.Equal(new EngineOptions(), Apply("null", out var problems));
        Assert.Empty(problems);
    }

    [Fact]
    public void Apply_CpuVariant_AcceptedFromAClient()
    {
        var options = Apply("""{ "cpuVariant": "AVX2" }""", out var problems);

        Assert.Empty(problems);
        Assert.Equal("avx2", options.CpuVariant);
    }

    [Fact]
    public void Apply_CpuVariantUnknown_SkippedWithTheChoices()
    {
        var options = Apply("""{ "cpuVariant": "sse4" }""", out var problems);

        Assert.Equal("auto", options.CpuVariant);
        Assert.Contains(problems, p => p.Contains("cpuVariant", StringComparison.Ordinal) && p.Contains("noavx", StringComparison.Ordinal));
    }

    [Fact]
    public void Apply_FimOrder_AcceptedFromAClient_UnknownSkippedWithTheChoices()
    {
        var options = Apply("""{ "fimOrder": "SPM" }""", out var problems);
        var unknown = Apply("""{ "fimOrder": "middle-first" }""", out var unknownProblems);

        Assert.Empty(problems);
        Assert.Equal("spm", options.FimOrder);
        Assert.Equal("auto", unknown.FimOrder);
        Assert.Contains(unknownProblems, p => p.Contains("fimOrder", StringComparison.Ordinal) && p.Contains("psm", StringComparison.Ordinal));
    }

    [Fact]
    public void Apply_ChatTemplate_AcceptedFromAClient_NotANameSkippedSayingWhatToUse()
    {
        var options = Apply("""{ "chatTemplate": "ChatML" }""", out var problems);
        var bad = Apply("""{ "chatTemplate": "{% for m in messages %}" }""", out var badProblems);

        Assert.Empty(problems);
        Assert.Equal("chatml", options.ChatTemplate);
        Assert.Equal("auto", bad.ChatTemplate);
        Assert.Contains(badProblems, p => p.Contains("chatTemplate", StringComparison.Ordinal) && p.Contains("plain", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("auto", FimOrder.PrefixSuffixMiddle)]
    [InlineData("psm", FimOrder.PrefixSuffixMiddle)]
    [InlineData("spm", FimOrder.SuffixPrefixMiddle)]
    public void FimLayout_WithOrder_ReordersAFamilyWithPrefixAndSuffixTokens(string asked, FimOrder expected)
    {
        var starcoder = new FimLayout("starcoder", FimOrder.PrefixSuffixMiddle, 1, 2, 3);

        Assert.Equal(expected, starcoder.WithOrder(asked).Order);
        Assert.Equal(starcoder.PrefixToken, starcoder.WithOrder(asked).PrefixToken);
    }

    [Fact]
    public void FimLayout_WithOrder_WithoutAllThreeTokens_KeepsItsOwn()
    {
        Assert.Equal(FimOrder.None, FimLayout.PrefixOnly.WithOrder("spm").Order);
        Assert.Equal(FimOrder.SuffixPrefixMiddle, new FimLayout("codestral", FimOrder.SuffixPrefixMiddle, 1, 2, null).WithOrder("psm").Order);
    }

    private static EngineOptions Apply(string json, out IReadOnlyList<string> problems)
    {
        using var document = JsonDocument.Parse(json);
        return EngineOptionsJson.Apply(new EngineOptions(), document.RootElement, out problems);
    }
}
