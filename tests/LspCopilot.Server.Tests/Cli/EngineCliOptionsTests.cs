using System.CommandLine;
using LspCopilot.Completion;
using LspCopilot.Server.Cli;

namespace LspCopilot.Server.Tests.Cli;

public sealed class EngineCliOptionsTests
{
    [Fact]
    public void Read_NoOptions_KeepsEngineDefaults()
    {
        var (options, errors) = Parse();

        Assert.Empty(errors);
        Assert.Equal(new EngineOptions(), options);
    }

    [Fact]
    public void Read_EveryHardwareOption_MapsOntoEngineOptions()
    {
        var (options, errors) = Parse(
            "--gpu-layers", "40", "--split-mode", "row", "--tensor-split", "3,1", "--main-gpu", "1",
            "--flash-attention", "--kv-cache-type", "q4_0", "--context-size", "16384", "--threads", "6", "--mlock", "--no-mmap", "--batch-invariant");

        Assert.Empty(errors);
        Assert.Equal(40, options.GpuLayers);
        Assert.Equal("row", options.SplitMode);
        Assert.Equal([3f, 1f], options.TensorSplit);
        Assert.Equal(1, options.MainGpu);
        Assert.True(options.FlashAttention);
        Assert.Equal("q4_0", options.KvCacheType);
        Assert.Equal(16384u, options.ContextSize);
        Assert.Equal((6, 6), (options.Threads, options.BatchThreads));
        Assert.True(options.UseMlock);
        Assert.False(options.UseMmap);
        Assert.True(options.BatchInvariant);
    }

    [Fact]
    public void Read_Preset_AppliesTheTwoCardLayout()
    {
        var (options, errors) = Parse("--preset", "dual-16g-8g");

        Assert.Empty(errors);
        Assert.Equal(-1, options.GpuLayers);
        Assert.Equal("layer", options.SplitMode);
        Assert.Equal([2f, 1f], options.TensorSplit);
        Assert.Equal("q8_0", options.KvCacheType);
        Assert.True(options.FlashAttention);
    }

    [Fact]
    public void Read_PresetWithExplicitOption_ExplicitWins()
    {
        var (options, _) = Parse("--tensor-split", "5,3", "--preset", "dual-16g-8g", "--kv-cache-type", "f16");

        Assert.Equal([5f, 3f], options.TensorSplit);
        Assert.Equal("f16", options.KvCacheType);
        Assert.Equal("layer", options.SplitMode);
    }

    [Fact]
    public void Overlay_ClientOptionsAsBase_CommandLineWinsOnlyWhereGiven()
    {
        var cli = new EngineCliOptions();
        var command = new RootCommand();
        cli.AddTo(command);
        var fromClient = new EngineOptions { KvCacheType = "q8_0", ContextSize = 4096, GpuLayers = 20, ModelPath = "/client.gguf" };

        var options = cli.Overlay(command.Parse(["--context-size", "2048"]), fromClient);

        Assert.Equal(2048u, options.ContextSize);
        Assert.Equal("q8_0", options.KvCacheType);
        Assert.Equal(20, options.GpuLayers);
        Assert.Equal("/client.gguf", options.ModelPath);
    }

    [Fact]
    public void Read_GpuLayersAll_MeansEveryLayer()
    {
        Assert.Equal(-1, Parse("--gpu-layers", "all").Options.GpuLayers);
    }

    [Fact]
    public void Read_FlashAttentionFalse_Explicitly()
    {
        Assert.False(Parse("--flash-attention", "false").Options.FlashAttention);
    }

    [Theory]
    [InlineData("--tensor-split", "2,x", "not a list of proportions")]
    [InlineData("--tensor-split", "0,0", "zero share")]
    [InlineData("--gpu-layers", "lots", "not a layer count")]
    [InlineData("--kv-cache-type", "q2_k", "q2_k")]
    [InlineData("--split-mode", "diagonal", "diagonal")]
    [InlineData("--main-gpu", "99", "--main-gpu 99 is out of range")]
    [InlineData("--context-size", "0", "at least 1 token")]
    [InlineData("--preset", "quad-80g", "quad-80g")]
    public void Parse_BadValue_ClearError(string option, string value, string expected)
    {
        var errors = Parse(option, value).Errors;

        Assert.Contains(errors, e => e.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_QuantizedKvWithoutFlashAttention_RefusedBeforeLoading()
    {
        var errors = Parse("--kv-cache-type", "q8_0", "--flash-attention", "false").Errors;

        Assert.Contains(errors, e => e.Contains("needs flash attention", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_NativeLibDirMissing_SaysWhatToPointAt()
    {
        var errors = Parse("--native-lib-dir", "/nonexistent/llama").Errors;

        Assert.Contains(errors, e => e.Contains("libllama", StringComparison.Ordinal));
    }

    [Fact]
    public void Read_CpuVariant_ReachesTheEngineOptions()
    {
        var (options, errors) = Parse("--cpu-variant", "avx2");

        Assert.Empty(errors);
        Assert.Equal("avx2", options.CpuVariant);
    }

    [Fact]
    public void Read_NoCpuVariant_Auto()
    {
        Assert.Equal("auto", Parse().Options.CpuVariant);
    }

    [Fact]
    public void Parse_CpuVariantUnknown_NamesTheChoices()
    {
        var errors = Parse("--cpu-variant", "sse4").Errors;

        Assert.Contains(errors, e => e.Contains("avx512", StringComparison.Ordinal) && e.Contains("noavx", StringComparison.Ordinal));
    }

    [Fact]
    public void Read_FimOrder_ReachesTheEngineOptions_DefaultAuto()
    {
        var (options, errors) = Parse("--fim-order", "spm");

        Assert.Empty(errors);
        Assert.Equal("spm", options.FimOrder);
        Assert.Equal("auto", Parse().Options.FimOrder);
    }

    [Fact]
    public void Parse_FimOrderUnknown_NamesTheChoices()
    {
        var errors = Parse("--fim-order", "mps").Errors;

        Assert.Contains(errors, e => e.Contains("psm", StringComparison.Ordinal) && e.Contains("spm", StringComparison.Ordinal));
    }

    [Fact]
    public void Read_ChatTemplate_ReachesTheEngineOptions_DefaultAuto()
    {
        var (options, errors) = Parse("--chat-template", "Plain");

        Assert.Empty(errors);
        Assert.Equal("plain", options.ChatTemplate);
        Assert.Equal("llama3", Parse("--chat-template", "llama3").Options.ChatTemplate);
        Assert.Equal("auto", Parse().Options.ChatTemplate);
    }

    [Fact]
    public void Parse_ChatTemplateNotAName_SaysWhatToUse()
    {
        var errors = Parse("--chat-template", "{{ messages }}").Errors;

        Assert.Contains(errors, e => e.Contains("auto", StringComparison.Ordinal) && e.Contains("plain", StringComparison.Ordinal));
    }

    private static (EngineOptions Options, IReadOnlyList<string> Errors) Parse(params string[] args) => EngineCliParse.Parse(args);
}
