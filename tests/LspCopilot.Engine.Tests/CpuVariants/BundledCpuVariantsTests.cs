using System.Runtime.InteropServices;
using LspCopilot.Engine.CpuVariants;
using LspCopilot.TestSupport;

namespace LspCopilot.Engine.Tests.CpuVariants;

/// <summary>Finding the bundled CPU builds (and a GPU backend beside them) in a program's folder.</summary>
public sealed class BundledCpuVariantsTests : IDisposable
{
    private readonly TempFolder _temp = new();

    private static void SkipUnlessX64Linux() =>
        Assert.SkipUnless(OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64, "The bundled CPU builds are a choice on x64 Linux only.");

    private void Bundle(params string[] folders)
    {
        foreach (var folder in folders)
        {
            var path = Path.Combine(_temp.Path, "runtimes", "linux-x64", "native", folder);
            Directory.CreateDirectory(path);
            File.WriteAllText(Path.Combine(path, "libllama.so"), folder);
        }
    }

    [Fact]
    public void Find_ThisBuildOutput_AllFourBuildsWidestFirst()
    {
        SkipUnlessX64Linux();

        var bundled = BundledCpuVariants.Find();

        Assert.Equal(["avx512", "avx2", "avx", "noavx"], bundled.Builds.Select(b => b.Variant));
        Assert.Null(bundled.GpuBackend);
        Assert.StartsWith("libllama.so of ", bundled.LlamaBuild, StringComparison.Ordinal);
    }

    [Fact]
    public void Find_FolderWithoutLibllama_NotABuild()
    {
        SkipUnlessX64Linux();
        Bundle("avx2", "noavx");
        Directory.CreateDirectory(Path.Combine(_temp.Path, "runtimes", "linux-x64", "native", "avx512"));

        var bundled = BundledCpuVariants.Find(_temp.Path);

        Assert.Equal(["avx2", "noavx"], bundled.Builds.Select(b => b.Variant));
    }

    [Fact]
    public void Find_CudaBackendBundled_NamesIt()
    {
        SkipUnlessX64Linux();
        Bundle("avx2", "noavx", "cuda12");

        var bundled = BundledCpuVariants.Find(_temp.Path);

        Assert.Equal("cuda12", bundled.GpuBackend);
    }

    [Fact]
    public void Candidates_CpuWithoutAvx512_LeavesItOut()
    {
        var bundled = new BundledCpuVariants([.. BundledCpuVariants.Order.Select(v => new CpuBuild(v, "/x/" + v))]);

        var candidates = bundled.Candidates(new CpuIdentity("Test Core", 4, "avx,avx2"));

        Assert.Equal(["avx2", "avx", "noavx"], candidates.Select(b => b.Variant));
    }

    [Fact]
    public void CpuIdentityCurrent_ThisMachine_RunsNoavxAndNamesItsCores()
    {
        var cpu = CpuIdentity.Current();

        Assert.True(cpu.Supports("noavx"));
        Assert.Equal(Environment.ProcessorCount, cpu.Cores);
        Assert.NotEmpty(cpu.Model);
    }

    public void Dispose() => _temp.Dispose();
}
