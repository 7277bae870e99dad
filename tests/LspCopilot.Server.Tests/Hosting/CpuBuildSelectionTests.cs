using System.Runtime.InteropServices;
using LspCopilot.Completion;
using LspCopilot.Engine.CpuVariants;
using LspCopilot.Server.Hosting;
using LspCopilot.TestSupport;

namespace LspCopilot.Server.Tests.Hosting;

/// <summary>Choosing the CPU build for real: every bundled build timed in a child process on a shared tiny model.</summary>
public sealed class CpuBuildSelectionTests : IDisposable
{
    private readonly TempFolder _temp = new();

    private static void SkipUnlessX64Linux() =>
        Assert.SkipUnless(OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64, "The bundled CPU builds are a choice on x64 Linux only.");

    [Fact]
    public async Task ChooseAsync_SharedFimModel_PicksABuildThisCpuRunsAndCachesItsTimings()
    {
        var model = TestModels.Require(TestModels.Fim);
        SkipUnlessX64Linux();
        var options = new EngineOptions { ModelPath = model };
        var candidates = BundledCpuVariants.Find().Candidates(CpuIdentity.Current()).Select(b => b.Variant).ToList();
        Assert.SkipWhen(candidates.Count < 2, "This CPU runs only one bundled build: nothing to choose.");

        var choice = await CpuBuildSelection.Chooser(ServerLog.Silent, _temp.Path).ChooseAsync(options, measure: true, TestContext.Current.CancellationToken);
        var again = await CpuBuildSelection.Chooser(ServerLog.Silent, _temp.Path).ChooseAsync(options, measure: true, TestContext.Current.CancellationToken);

        Assert.Contains(choice.Variant, candidates);
        Assert.True(File.Exists(Path.Combine(choice.LibraryDir!, "libllama.so")));
        Assert.Equal(candidates, choice.Measurement!.Timings.Select(t => t.Variant));
        Assert.Equal(candidates[0], choice.Measurement.Default);
        var cached = new CpuVariantCache(_temp.Path).Find(CpuIdentity.Current(), ModelStamp.Of(model), BundledCpuVariants.Find().LlamaBuild);
        Assert.Equal(choice.Variant, cached?.Chosen);
        Assert.True(again.FromCache);
        Assert.Equal(choice.Variant, again.Variant);
    }

    [Fact]
    public async Task SharedWorker_FirstStartMeasuresAndTheNextReadsTheCache()
    {
        var model = TestModels.Require(TestModels.Fim);
        SkipUnlessX64Linux();
        var environment = new Dictionary<string, string?> { ["LSPCOPILOT_MODEL_CACHE"] = _temp.Path };

        string first;
        var (worker, _) = await LspCopilotProcess.StartSharedWorkerAsync(model, environment);
        await using (worker)
        {
            first = worker.Stderr;
        }

        var (restarted, _) = await LspCopilotProcess.StartSharedWorkerAsync(model, environment);
        await using var __ = restarted;

        Assert.Contains("CPU build: ", first, StringComparison.Ordinal);
        Assert.Contains("measured now", first, StringComparison.Ordinal);
        Assert.Contains("Measuring which CPU build", first, StringComparison.Ordinal);
        Assert.Contains("; cached", restarted.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Measuring which CPU build", restarted.Stderr, StringComparison.Ordinal);
    }

    public void Dispose() => _temp.Dispose();
}
