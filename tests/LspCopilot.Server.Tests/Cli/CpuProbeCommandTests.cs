using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using System.Text.Json;
using LspCopilot.TestSupport;

namespace LspCopilot.Server.Tests.Cli;

/// <summary><c>lspcopilot cpu-probe</c>, the hidden command that times one llama.cpp build, run as a real process.</summary>
public sealed class CpuProbeCommandTests : IDisposable
{
    private readonly TempFolder _temp = new();

    private static string BundledBuild(string variant) =>
        Path.Combine(Path.GetDirectoryName(RepoPaths.ServerDll)!, "runtimes", "linux-x64", "native", variant);

    /// <summary>Runs the probe on the bundled avx2 build (skips where it cannot run); it must succeed and print one JSON line.</summary>
    private static async Task<JsonElement> ProbeBundledAvx2Async(string model)
    {
        Assert.SkipUnless(OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64 && Avx2.IsSupported, "Needs x64 Linux with AVX2 for the bundled avx2 build.");

        var run = await CliProcess.RunAsync(["cpu-probe", "--model", model, "--native-lib-dir", BundledBuild("avx2"), "--threads", "2"], cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(run.ExitCode == 0, run.Stderr);
        return JsonDocument.Parse(Assert.Single(run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))).RootElement;
    }

    [Fact]
    public async Task CpuProbe_BundledAvx2OnSharedFimModel_PrintsOneJsonLineOfTimings()
    {
        var json = await ProbeBundledAvx2Async(TestModels.Require(TestModels.Fim));

        Assert.Equal("avx2", json.GetProperty("variant").GetString());
        Assert.InRange(json.GetProperty("prefill_tokens").GetInt32(), 128, 256);
        Assert.Equal(8, json.GetProperty("decode_tokens").GetInt32());
        Assert.True(json.GetProperty("prefill_ms").GetDouble() > 0);
        Assert.True(json.GetProperty("decode_ms_per_token").GetDouble() > 0);
        Assert.True(json.GetProperty("score_ms").GetDouble() > json.GetProperty("prefill_ms").GetDouble());
    }

    [Fact]
    public async Task CpuProbe_ModelWhoseVocabularyCannotSpellTheProbeText_MeasuresInsteadOfAborting()
    {
        // TinyStories-656K has no byte tokens for some characters of the probe's code-like text; llama.cpp's tokenizer
        // aborted the process on them, so every build "failed" and each start measured again.
        var json = await ProbeBundledAvx2Async(TestModels.Require(TestModels.Quantized));

        Assert.Equal("avx2", json.GetProperty("variant").GetString());
        Assert.True(json.GetProperty("decode_ms_per_token").GetDouble() > 0);
    }

    [Fact]
    public async Task CpuProbe_FolderWithoutLlamaCpp_FailsWithTheReasonOnStderr()
    {
        var model = TestModels.Require(TestModels.Fim);

        var run = await CliProcess.RunAsync(["cpu-probe", "--model", model, "--native-lib-dir", _temp.Path], cancellationToken: TestContext.Current.CancellationToken);

        Assert.NotEqual(0, run.ExitCode);
        Assert.Empty(run.Stdout);
        Assert.Contains("error: ", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_DoesNotListTheHiddenProbe()
    {
        var run = await CliProcess.RunAsync(["--help"], cancellationToken: TestContext.Current.CancellationToken);

        Assert.DoesNotContain("cpu-probe", run.Stdout, StringComparison.Ordinal);
    }

    public void Dispose() => _temp.Dispose();
}
