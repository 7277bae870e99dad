using LspCopilot.TestSupport;

namespace LspCopilot.Server.Tests.Worker;

/// <summary>The worker sets llama.cpp's OpenMP spin count before llama.cpp loads, unless the user chose one.</summary>
public sealed class CpuSpinTests
{
    private const string SetLine = "idle CPU threads sleep after 10000 spins";

    [Fact]
    public async Task Worker_NoSpinSettingOfTheUsers_SetsOursBeforeLlamaLoads()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "libgomp (and its GOMP_SPINCOUNT) is used by the Linux CPU builds only.");
        var (worker, _) = await LspCopilotProcess.StartSharedWorkerAsync(
            TestModels.Require(TestModels.Stories),
            new Dictionary<string, string?> { ["GOMP_SPINCOUNT"] = string.Empty, ["OMP_WAIT_POLICY"] = string.Empty });
        await using var _ = worker;

        Assert.True(await Eventually.TrueAsync(() => worker.Stderr.Contains(SetLine, StringComparison.Ordinal), TimeSpan.FromSeconds(10)), worker.Stderr);
    }

    [Fact]
    public async Task Worker_UsersSpinCount_LeftAlone()
    {
        var (worker, _) = await LspCopilotProcess.StartSharedWorkerAsync(
            TestModels.Require(TestModels.Stories),
            new Dictionary<string, string?> { ["GOMP_SPINCOUNT"] = "20000", ["OMP_WAIT_POLICY"] = string.Empty });
        await using var _ = worker;

        Assert.True(await Eventually.TrueAsync(() => worker.Stderr.Contains("Loaded ", StringComparison.Ordinal), TimeSpan.FromSeconds(10)), worker.Stderr);
        Assert.DoesNotContain(SetLine, worker.Stderr, StringComparison.Ordinal);
    }
}
