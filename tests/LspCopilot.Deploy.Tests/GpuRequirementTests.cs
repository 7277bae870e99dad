using LspCopilot.Engine.Models;
using LspCopilot.Server.Hosting;

namespace LspCopilot.Deploy.Tests;

/// <summary>
/// --require-gpu's rule on the reports the native probe gives: the CUDA cases cannot be produced on this project's
/// machines (no CUDA build, no GPU), so they are checked on the report the probe would give there.
/// </summary>
public sealed class GpuRequirementTests
{
    private static readonly GpuProbeResult s_twoCards = new([
        new GpuInfo(0, "NVIDIA GeForce RTX 4060 Ti", 16L << 30, 15L << 30, 20, 165, "550.54"),
        new GpuInfo(1, "NVIDIA GeForce RTX 4060", 8L << 30, 7L << 30, 10, 115, "550.54")], null);

    private static readonly GpuProbeResult s_none = new([], "no NVIDIA GPU visible (nvidia-smi not found)");

    private static NativeLibraryReport Native(string variant, bool offload, params string[] devices) =>
        new(true, null, variant, null, $"/app/runtimes/linux-x64/native/{(variant.StartsWith("CUDA", StringComparison.Ordinal) ? "cuda12" : "avx2")}/libllama.so", offload, devices, null, []);

    [Fact]
    public void CudaBuildSeeingBothCards_Holds()
    {
        Assert.Null(GpuRequirement.Problem(Native("CUDA (from --native-lib-dir)", true, "CUDA0", "CUDA1", "CPU"), s_twoCards));
    }

    [Fact]
    public void CpuBuildOnAGpuBox_FailsNamingTheBuildAndTheFix()
    {
        var problem = GpuRequirement.Problem(Native("CPU", false, "CPU"), s_twoCards);
        Assert.NotNull(problem);
        Assert.Contains("the CPU build of llama.cpp loaded (/app/runtimes/linux-x64/native/avx2/libllama.so)", problem, StringComparison.Ordinal);
        Assert.Contains("-p:LlamaBackend=Cuda12", problem, StringComparison.Ordinal);
        Assert.Contains("--native-lib-dir <app>/runtimes/linux-x64/native/cuda12", problem, StringComparison.Ordinal);
        Assert.Contains("2 NVIDIA GPU(s) are visible", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void CudaBuildWithoutADevice_FailsSayingNoneIsVisible()
    {
        // A container started without --gpus: the CUDA build loads but finds no device, and nvidia-smi is not there.
        var problem = GpuRequirement.Problem(Native("CUDA (from --native-lib-dir)", true, "CPU"), s_none);
        Assert.NotNull(problem);
        Assert.Contains("found no GPU device (devices: CPU)", problem, StringComparison.Ordinal);
        Assert.Contains("--gpus all", problem, StringComparison.Ordinal);
        Assert.Contains("nvidia-ctk runtime configure", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void NativeLibraryNotLoaded_FailsWithItsError()
    {
        var report = new NativeLibraryReport(false, "libcudart.so.12: cannot open shared object file", "none", null, null, false, [], null, []);
        Assert.Contains("llama.cpp did not load: libcudart.so.12: cannot open shared object file", GpuRequirement.Problem(report, s_none), StringComparison.Ordinal);
    }
}
