using LspCopilot.Engine.CpuVariants;
using LspCopilot.TestSupport;

namespace LspCopilot.Engine.Tests.CpuVariants;

/// <summary>cpu-variants.json: what it keeps, what it forgets, and a damaged file.</summary>
public sealed class CpuVariantCacheTests : IDisposable
{
    private static readonly CpuIdentity s_cpu = new("Test EPYC", 2, "avx,avx2,avx512");
    private readonly TempFolder _temp = new();

    private static CpuVariantRecord Record(string path, string chosen) => new(
        s_cpu,
        new ModelStamp(path, 1234, new DateTime(2025, 1, 2, 3, 4, 5, DateTimeKind.Utc).AddTicks(1234567)),
        "test build",
        2,
        chosen,
        "avx512",
        DateTime.UtcNow,
        [new("avx512", 192, 90.5, 8, 1.25), new(chosen, 192, 15.25, 8, 1.5)]);

    [Fact]
    public void Save_ThenFind_SameCpuModelAndBuild_ReadsTheRecordBack()
    {
        var cache = new CpuVariantCache(_temp.Path);
        var saved = Record("/models/a.gguf", "avx2");

        cache.Save(saved);
        var found = new CpuVariantCache(_temp.Path).Find(s_cpu, saved.Model, "test build");

        Assert.NotNull(found);
        Assert.Equal("avx2", found.Chosen);
        Assert.Equal(saved.Model, found.Model);
        Assert.Equal(saved.Timings, found.Timings);
    }

    [Fact]
    public void Save_SameModelAgain_ReplacesTheOlderRecord()
    {
        var cache = new CpuVariantCache(_temp.Path);

        cache.Save(Record("/models/a.gguf", "avx2"));
        cache.Save(Record("/models/b.gguf", "avx2"));
        cache.Save(Record("/models/a.gguf", "avx"));

        Assert.Equal(["/models/b.gguf", "/models/a.gguf"], cache.ForCpu(s_cpu).Select(r => r.Model.Path));
        Assert.Equal("avx", cache.ForCpu(s_cpu)[1].Chosen);
    }

    [Fact]
    public void Find_DamagedFile_NothingFoundAndTheNextSaveReplacesIt()
    {
        var cache = new CpuVariantCache(_temp.Path);
        File.WriteAllText(cache.FilePath, "{ not json");
        var record = Record("/models/a.gguf", "avx2");

        Assert.Null(cache.Find(s_cpu, record.Model, "test build"));
        cache.Save(record);

        Assert.NotNull(cache.Find(s_cpu, record.Model, "test build"));
    }

    [Fact]
    public async Task LockAsync_HeldByAnother_WaitsThenGivesUp()
    {
        var cache = new CpuVariantCache(_temp.Path);
        var waited = false;
        using var first = await cache.LockAsync(TimeSpan.Zero, () => { }, TestContext.Current.CancellationToken);

        using var second = await cache.LockAsync(TimeSpan.FromMilliseconds(300), () => waited = true, TestContext.Current.CancellationToken);

        Assert.NotNull(first);
        Assert.Null(second);
        Assert.True(waited);
    }

    [Fact]
    public void TimingJsonLine_RoundTrips()
    {
        var timing = new CpuVariantTiming("avx2", 192, 4.25, 8, 0.375);

        var parsed = CpuVariantTiming.TryParse(timing.ToJsonLine());

        Assert.Equal(timing, parsed);
        Assert.Equal(4.25 + (17 * 0.375), parsed!.ScoreMs);
    }

    [Theory]
    [InlineData("")]
    [InlineData("llama.cpp: loading model")]
    [InlineData("{\"variant\":\"avx2\"")]
    public void TimingTryParse_NotATimingLine_Null(string line) => Assert.Null(CpuVariantTiming.TryParse(line));

    public void Dispose() => _temp.Dispose();
}
