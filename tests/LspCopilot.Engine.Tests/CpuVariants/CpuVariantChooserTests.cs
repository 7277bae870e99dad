using LspCopilot.Completion;
using LspCopilot.Engine.CpuVariants;
using LspCopilot.TestSupport;

namespace LspCopilot.Engine.Tests.CpuVariants;

/// <summary>The choice of CPU build from timings given: what is a candidate, what wins, what overrides, what the cache keeps.</summary>
public sealed class CpuVariantChooserTests : IDisposable
{
    private static readonly CpuIdentity s_avx512Cpu = new("Test EPYC", 2, "avx,avx2,avx512");
    private static readonly CpuIdentity s_avx2Cpu = new("Test Core", 2, "avx,avx2");

    private readonly TempFolder _temp = new();
    private readonly BundledCpuVariants _allFour;
    private readonly string _model;

    public CpuVariantChooserTests()
    {
        _allFour = new BundledCpuVariants([.. BundledCpuVariants.Order.Select(v => new CpuBuild(v, Path.Combine(_temp.Path, "runtimes", v)))]) { LlamaBuild = "test build" };
        _model = _temp.File("model.gguf");
        TestGguf.Model("llama", []).WriteTo(_model);
    }

    private EngineOptions Options(string cpuVariant = "auto") => new() { ModelPath = _model, CpuVariant = cpuVariant, Threads = 2 };

    private CpuVariantChooser Chooser(GivenTimings timings, CpuIdentity? cpu = null, BundledCpuVariants? bundled = null, ServerLog? log = null) =>
        new(bundled ?? _allFour, cpu ?? s_avx512Cpu, new CpuVariantCache(_temp.Path), timings, log ?? ServerLog.Silent);

    private static GivenTimings AllFour() => new GivenTimings()
        .Time("avx512", prefillMs: 90, decodeMsPerToken: 1.0)
        .Time("avx2", prefillMs: 15, decodeMsPerToken: 1.1)
        .Time("avx", prefillMs: 40, decodeMsPerToken: 1.2)
        .Time("noavx", prefillMs: 200, decodeMsPerToken: 3.0);

    [Fact]
    public async Task ChooseAsync_TimingsGiven_LowestScoreWinsOverLlamaSharpsPick()
    {
        var choice = await Chooser(AllFour()).ChooseAsync(Options(), measure: true, TestContext.Current.CancellationToken);

        Assert.Equal("avx2", choice.Variant);
        Assert.Equal(_allFour.Get("avx2")!.Directory, choice.LibraryDir);
        Assert.Equal("avx512", choice.Measurement!.Default);
        Assert.Contains("faster than avx512", choice.LogLine, StringComparison.Ordinal);
        Assert.False(choice.FromCache);
    }

    [Fact]
    public async Task ChooseAsync_FastPrefillButSlowDecode_DecodeCountsForTheRestOfTheSuggestion()
    {
        // 10 + 17 × 5 = 95 ms against 30 + 17 × 1 = 47 ms.
        var timings = new GivenTimings().Time("avx512", 30, 1.0).Time("avx2", 10, 5.0).Time("avx", 300, 9).Time("noavx", 300, 9);

        var choice = await Chooser(timings).ChooseAsync(Options(), measure: true, TestContext.Current.CancellationToken);

        Assert.Equal("avx512", choice.Variant);
    }

    [Fact]
    public async Task ChooseAsync_CpuWithoutAvx512_Avx512NeverTimed()
    {
        var timings = AllFour();

        var choice = await Chooser(timings, s_avx2Cpu).ChooseAsync(Options(), measure: true, TestContext.Current.CancellationToken);

        Assert.DoesNotContain("avx512", timings.Asked);
        Assert.Equal("avx2", choice.Variant);
        Assert.Equal("avx2", choice.Measurement!.Default);
    }

    [Fact]
    public async Task ChooseAsync_VariantNotBundled_NeverTimed()
    {
        var bundled = new BundledCpuVariants([.. _allFour.Builds.Where(b => b.Variant != "avx2")]);
        var timings = AllFour();

        var choice = await Chooser(timings, bundled: bundled).ChooseAsync(Options(), measure: true, TestContext.Current.CancellationToken);

        Assert.DoesNotContain("avx2", timings.Asked);
        Assert.Equal("avx", choice.Variant);
    }

    [Fact]
    public async Task ChooseAsync_ExplicitVariant_LoadsItsFolderWithoutTiming()
    {
        var timings = AllFour();

        var choice = await Chooser(timings).ChooseAsync(Options("noavx"), measure: true, TestContext.Current.CancellationToken);

        Assert.Equal("noavx", choice.Variant);
        Assert.Equal(_allFour.Get("noavx")!.Directory, choice.LibraryDir);
        Assert.Empty(timings.Asked);
    }

    [Fact]
    public async Task ChooseAsync_ExplicitVariantTheCpuLacks_WarnsAndChoosesAutomatically()
    {
        var timings = AllFour();
        var log = new StringWriter();

        var choice = await Chooser(timings, s_avx2Cpu, log: new ServerLog(LogLevel.Warning, log)).ChooseAsync(Options("avx512"), measure: true, TestContext.Current.CancellationToken);

        Assert.Equal("avx2", choice.Variant);
        Assert.DoesNotContain("avx512", timings.Asked);
        Assert.Contains("--cpu-variant avx512 ignored: this CPU lacks avx512", log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChooseAsync_NativeLibDirGiven_WinsOverAutoAndExplicitVariant()
    {
        var timings = AllFour();
        var own = _temp.File("my-cuda-build");

        var auto = await Chooser(timings).ChooseAsync(Options() with { NativeLibDir = own }, measure: true, TestContext.Current.CancellationToken);
        var explicitVariant = await Chooser(timings).ChooseAsync(Options("avx2") with { NativeLibDir = own }, measure: true, TestContext.Current.CancellationToken);

        Assert.All(new[] { auto, explicitVariant }, choice => Assert.Equal(own, choice.LibraryDir));
        Assert.All(new[] { auto, explicitVariant }, choice => Assert.Null(choice.Variant));
        Assert.Empty(timings.Asked);
    }

    [Fact]
    public async Task ChooseAsync_MeasuredBefore_ReadsTheCacheWithoutTiming()
    {
        await Chooser(AllFour()).ChooseAsync(Options(), measure: true, TestContext.Current.CancellationToken);
        var later = new GivenTimings();

        var choice = await Chooser(later).ChooseAsync(Options(), measure: true, TestContext.Current.CancellationToken);

        Assert.Empty(later.Asked);
        Assert.True(choice.FromCache);
        Assert.Equal("avx2", choice.Variant);
        Assert.EndsWith("; cached", choice.LogLine, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChooseAsync_TwoProcessesStartAtOnce_OneMeasuresTheOtherWaitsForItsResult()
    {
        static GivenTimings Slow() => new GivenTimings { Delay = TimeSpan.FromMilliseconds(100) }
            .Time("avx512", 90, 1.0).Time("avx2", 15, 1.1).Time("avx", 40, 1.2).Time("noavx", 200, 3.0);
        var (first, second) = (Slow(), Slow());

        var choices = await Task.WhenAll(
            Chooser(first).ChooseAsync(Options(), measure: true, TestContext.Current.CancellationToken),
            Chooser(second).ChooseAsync(Options(), measure: true, TestContext.Current.CancellationToken));

        Assert.Equal(1, new[] { first, second }.Count(t => t.Asked.Count > 0));
        Assert.Equal(1, choices.Count(c => c.FromCache));
        Assert.All(choices, c => Assert.Equal("avx2", c.Variant));
    }

    [Fact]
    public async Task ChooseAsync_ModelFileGrew_MeasuresAgain()
    {
        await Chooser(AllFour()).ChooseAsync(Options(), measure: true, TestContext.Current.CancellationToken);
        TestGguf.Model("llama", [], name: "a longer model name than before").WriteTo(_model);
        var later = AllFour();

        var choice = await Chooser(later).ChooseAsync(Options(), measure: true, TestContext.Current.CancellationToken);

        Assert.NotEmpty(later.Asked);
        Assert.False(choice.FromCache);
    }

    [Fact]
    public async Task ChooseAsync_ModelFileTouched_MeasuresAgain()
    {
        await Chooser(AllFour()).ChooseAsync(Options(), measure: true, TestContext.Current.CancellationToken);
        File.SetLastWriteTimeUtc(_model, File.GetLastWriteTimeUtc(_model).AddMinutes(5));
        var later = AllFour();

        var choice = await Chooser(later).ChooseAsync(Options(), measure: true, TestContext.Current.CancellationToken);

        Assert.NotEmpty(later.Asked);
        Assert.False(choice.FromCache);
    }

    [Fact]
    public async Task ChooseAsync_OtherCpu_MeasuresAgain()
    {
        await Chooser(AllFour()).ChooseAsync(Options(), measure: true, TestContext.Current.CancellationToken);
        var later = AllFour();

        var choice = await Chooser(later, new CpuIdentity("Test EPYC", 4, "avx,avx2,avx512")).ChooseAsync(Options(), measure: true, TestContext.Current.CancellationToken);

        Assert.NotEmpty(later.Asked);
        Assert.False(choice.FromCache);
    }

    [Fact]
    public async Task ChooseAsync_OtherLlamaBuild_MeasuresAgain()
    {
        await Chooser(AllFour()).ChooseAsync(Options(), measure: true, TestContext.Current.CancellationToken);
        var later = AllFour();

        var choice = await Chooser(later, bundled: _allFour with { LlamaBuild = "next build" }).ChooseAsync(Options(), measure: true, TestContext.Current.CancellationToken);

        Assert.NotEmpty(later.Asked);
        Assert.False(choice.FromCache);
    }

    [Fact]
    public async Task ChooseAsync_GpuBackendBundled_KeepsLlamaSharpsPickWithoutTiming()
    {
        var timings = AllFour();

        var auto = await Chooser(timings, bundled: _allFour with { GpuBackend = "cuda12" }).ChooseAsync(Options(), measure: true, TestContext.Current.CancellationToken);
        var explicitVariant = await Chooser(timings, bundled: _allFour with { GpuBackend = "cuda12" }).ChooseAsync(Options("avx2"), measure: true, TestContext.Current.CancellationToken);

        Assert.All(new[] { auto, explicitVariant }, choice => Assert.Null(choice.LibraryDir));
        Assert.Contains("off the GPUs", auto.Reason, StringComparison.Ordinal);
        Assert.Empty(timings.Asked);
    }

    [Fact]
    public async Task ChooseAsync_OnlyOneBuildTheCpuRuns_KeepsLlamaSharpsPickWithoutTiming()
    {
        var timings = AllFour();

        var choice = await Chooser(timings, new CpuIdentity("Old Atom", 2, string.Empty)).ChooseAsync(Options(), measure: true, TestContext.Current.CancellationToken);

        Assert.Null(choice.LibraryDir);
        Assert.Empty(timings.Asked);
    }

    [Fact]
    public async Task ChooseAsync_NotOnX64Linux_KeepsLlamaSharpsPick()
    {
        var timings = AllFour();

        var choice = await Chooser(timings, bundled: new BundledCpuVariants([], Unavailable: "only x64 Linux ships a choice of CPU builds")).ChooseAsync(Options(), measure: true, TestContext.Current.CancellationToken);

        Assert.Null(choice.LibraryDir);
        Assert.Empty(timings.Asked);
    }

    [Fact]
    public async Task ChooseAsync_BuildThatCrashes_SkippedWithALogLineAndTheOthersCompared()
    {
        var timings = AllFour().Fail("avx2", "it crashed on an illegal instruction");
        var log = new StringWriter();

        var choice = await Chooser(timings, log: new ServerLog(LogLevel.Info, log)).ChooseAsync(Options(), measure: true, TestContext.Current.CancellationToken);

        Assert.Equal("avx", choice.Variant);
        Assert.Contains("CPU build avx2 skipped: it crashed on an illegal instruction", log.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(choice.Measurement!.Timings, t => t.Variant == "avx2");
    }

    [Fact]
    public async Task ChooseAsync_EveryBuildFails_LlamaSharpsPickAndNothingCached()
    {
        var failing = new GivenTimings();
        foreach (var variant in BundledCpuVariants.Order)
        {
            failing.Fail(variant, "it exited with code 1");
        }

        var choice = await Chooser(failing).ChooseAsync(Options(), measure: true, TestContext.Current.CancellationToken);

        Assert.Null(choice.LibraryDir);
        Assert.False(File.Exists(new CpuVariantCache(_temp.Path).FilePath));
    }

    [Fact]
    public async Task ChooseAsync_NotMeasuringAndNothingCached_LlamaSharpsPickWithoutTiming()
    {
        var timings = AllFour();

        var choice = await Chooser(timings).ChooseAsync(Options(), measure: false, TestContext.Current.CancellationToken);

        Assert.Null(choice.LibraryDir);
        Assert.Contains("not measured yet", choice.Reason, StringComparison.Ordinal);
        Assert.Empty(timings.Asked);
    }

    [Fact]
    public async Task ChooseAsync_TruncatedModel_NotTimedSinceNoBuildCouldLoadIt()
    {
        var bytes = await File.ReadAllBytesAsync(_model, TestContext.Current.CancellationToken);
        await File.WriteAllBytesAsync(_model, bytes[..(bytes.Length / 2)], TestContext.Current.CancellationToken);
        var timings = AllFour();

        var choice = await Chooser(timings).ChooseAsync(Options(), measure: true, TestContext.Current.CancellationToken);

        Assert.Null(choice.LibraryDir);
        Assert.Empty(timings.Asked);
    }

    [Fact]
    public async Task Status_AfterMeasuring_HoldsTheModelsRecordForThisCpu()
    {
        await Chooser(AllFour()).ChooseAsync(Options(), measure: true, TestContext.Current.CancellationToken);

        var status = Chooser(new GivenTimings()).Status(_model);
        var elsewhere = Chooser(new GivenTimings(), s_avx2Cpu).Status(_model);

        Assert.Equal("avx2", status.ForModel?.Chosen);
        Assert.Equal(["avx512", "avx2", "avx", "noavx"], status.Candidates);
        Assert.Single(status.Measured);
        Assert.Null(elsewhere.ForModel);
        Assert.Empty(elsewhere.Measured);
    }

    [Fact]
    public void Fastest_EqualScores_WiderBuildWins()
    {
        var fastest = CpuVariantChooser.Fastest([new("avx", 192, 10, 8, 1), new("avx512", 192, 10, 8, 1), new("avx2", 192, 10, 8, 1)]);

        Assert.Equal("avx512", fastest.Variant);
    }

    public void Dispose() => _temp.Dispose();
}
