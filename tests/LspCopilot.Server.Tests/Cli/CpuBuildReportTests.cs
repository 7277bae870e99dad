using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using System.Text.Json;
using LspCopilot.Engine.CpuVariants;
using LspCopilot.Server.Cli;
using LspCopilot.TestSupport;

namespace LspCopilot.Server.Tests.Cli;

/// <summary>What <c>doctor</c> and <c>model info</c> say about the CPU build chosen for this machine.</summary>
public sealed class CpuBuildReportTests : IDisposable
{
    private readonly TempFolder _temp = new();

    private static void SkipUnlessAvx2OnX64Linux() =>
        Assert.SkipUnless(OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64 && Avx2.IsSupported, "Needs x64 Linux with AVX2 (the measurement written names avx2).");

    /// <summary>A measurement of <paramref name="model"/> on this machine, as the chooser would have cached it.</summary>
    private void Measured(string model, string chosen)
    {
        var bundled = BundledCpuVariants.Find(Path.GetDirectoryName(RepoPaths.ServerDll));
        var pick = bundled.Candidates(CpuIdentity.Current())[0].Variant;
        new CpuVariantCache(_temp.Path).Save(new CpuVariantRecord(
            CpuIdentity.Current(),
            ModelStamp.Of(model),
            bundled.LlamaBuild,
            2,
            chosen,
            pick,
            DateTime.UtcNow,
            [new CpuVariantTiming(pick, 192, 90, 8, 0.5), new CpuVariantTiming(chosen, 192, 15, 8, 0.5)]));
    }

    [Fact]
    public void ModelInfoJson_NothingMeasured_SaysNotMeasuredYet()
    {
        SkipUnlessAvx2OnX64Linux();
        var stdout = new StringWriter();

        ModelInfoCommand.Run(new FileInfo(TestModels.Require(TestModels.Fim)), json: true, null, "f16", stdout, TextWriter.Null, _temp.Path);

        var cpu = JsonDocument.Parse(stdout.ToString()).RootElement.GetProperty("cpu_build");
        Assert.Equal("not measured yet", cpu.GetProperty("status").GetString());
    }

    [Fact]
    public void ModelInfo_MeasuredOnThisMachine_ShowsTheChosenBuildAndTimings()
    {
        SkipUnlessAvx2OnX64Linux();
        var model = TestModels.Require(TestModels.Fim);
        Measured(model, "avx2");
        var json = new StringWriter();
        var text = new StringWriter();

        ModelInfoCommand.Run(new FileInfo(model), json: true, null, "f16", json, TextWriter.Null, _temp.Path);
        ModelInfoCommand.Run(new FileInfo(model), json: false, null, "f16", text, TextWriter.Null, _temp.Path);

        var cpu = JsonDocument.Parse(json.ToString()).RootElement.GetProperty("cpu_build");
        Assert.Equal("measured", cpu.GetProperty("status").GetString());
        Assert.Equal("avx2", cpu.GetProperty("chosen").GetString());
        Assert.Equal(2, cpu.GetProperty("timings").GetArrayLength());
        Assert.Contains("CPU build     avx2 (", text.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DoctorJson_ChoiceCached_LoadsThatBuildAndShowsItsTimings()
    {
        SkipUnlessAvx2OnX64Linux();
        var model = TestModels.Require(TestModels.Fim);
        Measured(model, "avx2");

        var run = await CliProcess.RunAsync(["doctor", "--json", "--model", model], new Dictionary<string, string?> { ["LSPCOPILOT_MODEL_CACHE"] = _temp.Path }, TestContext.Current.CancellationToken);

        Assert.Equal(0, run.ExitCode);
        var root = JsonDocument.Parse(run.Stdout).RootElement;
        Assert.Contains($"{Path.DirectorySeparatorChar}avx2{Path.DirectorySeparatorChar}libllama", root.GetProperty("native").GetProperty("library").GetString(), StringComparison.Ordinal);
        var cpu = root.GetProperty("cpu_build");
        Assert.Equal("auto", cpu.GetProperty("requested").GetString());
        Assert.Equal("measured", cpu.GetProperty("model").GetProperty("status").GetString());
        Assert.Equal("avx2", cpu.GetProperty("model").GetProperty("chosen").GetString());
        Assert.Single(cpu.GetProperty("measured").EnumerateArray());
    }

    [Fact]
    public async Task Doctor_NothingMeasured_SaysSoAndMeasuresNothing()
    {
        SkipUnlessAvx2OnX64Linux();
        var model = TestModels.Require(TestModels.Fim);

        var run = await CliProcess.RunAsync(["doctor", "--model", model], new Dictionary<string, string?> { ["LSPCOPILOT_MODEL_CACHE"] = _temp.Path }, TestContext.Current.CancellationToken);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("this model   not measured yet on this machine", run.Stdout, StringComparison.Ordinal);
        Assert.False(File.Exists(new CpuVariantCache(_temp.Path).FilePath));
    }

    public void Dispose() => _temp.Dispose();
}
