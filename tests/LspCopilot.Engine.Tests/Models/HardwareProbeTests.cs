using LspCopilot.Completion;
using LspCopilot.Engine.Models;
using LspCopilot.TestSupport;

namespace LspCopilot.Engine.Tests.Models;

public sealed class HardwareProbeTests : IDisposable
{
    private const string TwoCards = """
        0, NVIDIA GeForce RTX 4080, 16376, 15821, 28.51, 320.00, 560.35.03
        1, NVIDIA GeForce RTX 4060, 8188, 7931, [N/A], [N/A], 560.35.03
        """;

    private readonly TempFolder _temp = new();

    [Fact]
    public void Parse_TwoCards_NamesMemoryAndPower()
    {
        var gpus = GpuProbe.Parse(TwoCards);

        Assert.Equal(2, gpus.Count);
        Assert.Equal(new GpuInfo(0, "NVIDIA GeForce RTX 4080", 16376L << 20, 15821L << 20, 28.51, 320.0, "560.35.03"), gpus[0]);
        Assert.Null(gpus[1].PowerDrawWatts);
        Assert.Equal(7931L << 20, gpus[1].MemoryFreeBytes);
    }

    [Fact]
    public void Parse_NameWithComma_FieldsCountedFromTheEnd()
    {
        var gpu = Assert.Single(GpuProbe.Parse("3, Tesla T4, PCIe, 15360, 15000, 9.1, 70.00, 535.1"));

        Assert.Equal("Tesla T4, PCIe", gpu.Name);
        Assert.Equal(15000L << 20, gpu.MemoryFreeBytes);
    }

    [Fact]
    public void Parse_GarbageLines_Skipped()
    {
        Assert.Empty(GpuProbe.Parse("No devices were found\n\n"));
    }

    [Fact]
    public async Task Probe_NoNvidiaSmi_NoGpusAndTheReason()
    {
        var result = await new GpuProbe(_temp.File("nvidia-smi-missing")).ProbeAsync(TestContext.Current.CancellationToken);

        Assert.Empty(result.Gpus);
        Assert.Equal("no NVIDIA GPU visible (nvidia-smi not found)", result.Note);
    }

    [Fact]
    public async Task Probe_FakeNvidiaSmi_RunsItWithTheQueryAndParsesItsOutput()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "The fake nvidia-smi is a shell script.");
        var argsFile = _temp.File("args.txt");
        var script = Script("fake-nvidia-smi", $"echo \"$@\" > '{argsFile}'\ncat <<'EOF'\n{TwoCards}\nEOF\n");

        var result = await new GpuProbe(script).ProbeAsync(TestContext.Current.CancellationToken);

        Assert.Equal(["NVIDIA GeForce RTX 4080", "NVIDIA GeForce RTX 4060"], result.Gpus.Select(g => g.Name));
        Assert.Null(result.Note);
        Assert.Contains(GpuProbe.Query, await File.ReadAllTextAsync(argsFile, TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Probe_NvidiaSmiFails_NoGpusWithItsMessage()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "The fake nvidia-smi is a shell script.");
        var script = Script("failing-nvidia-smi", "echo 'NVIDIA-SMI has failed because it could not communicate with the NVIDIA driver.' >&2\nexit 9\n");

        var result = await new GpuProbe(script).ProbeAsync(TestContext.Current.CancellationToken);

        Assert.Empty(result.Gpus);
        Assert.Contains("could not communicate with the NVIDIA driver", result.Note, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Probe_NvidiaSmiHangs_GivesUpAtTheTimeout()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "The fake nvidia-smi is a shell script.");
        var script = Script("hanging-nvidia-smi", "sleep 60\n");

        var result = await new GpuProbe(script, TimeSpan.FromMilliseconds(300)).ProbeAsync(TestContext.Current.CancellationToken);

        Assert.Empty(result.Gpus);
        Assert.Contains("did not answer", result.Note, StringComparison.Ordinal);
    }

    [Fact]
    public void HostMemory_Meminfo_TotalAndAvailableInBytes()
    {
        var memory = HostMemory.Parse("MemTotal:       24685316 kB\nMemFree:         1000 kB\nMemAvailable:   23000000 kB\n");

        Assert.Equal(new HostMemory(24685316L * 1024, 23000000L * 1024), memory);
    }

    [Fact]
    public void NativeLibrary_ThisBuild_CpuBackendWithAnAvxVariantAndNoGpuOffload()
    {
        var report = NativeLibraryProbe.Probe(null, ServerLog.Silent);

        Assert.True(report.Loaded, report.Error);
        Assert.Equal("CPU", report.Variant);
        Assert.Contains(report.AvxLevel, new[] { "noavx", "avx", "avx2", "avx512" });
        Assert.False(report.HasGpuBackend);
        Assert.Contains("CPU", report.Devices);
    }

    public void Dispose() => _temp.Dispose();

    private string Script(string name, string body)
    {
        var path = _temp.File(name);
        File.WriteAllText(path, "#!/bin/sh\n" + body);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return path;
    }
}
