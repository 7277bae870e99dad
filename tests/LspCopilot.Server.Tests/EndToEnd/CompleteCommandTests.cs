using LspCopilot.TestSupport;

namespace LspCopilot.Server.Tests.EndToEnd;

public sealed class CompleteCommandTests
{
    [Fact]
    public async Task Complete_SampleFile_PrintsCompletionAndTimingSummary()
    {
        var model = TestModels.Require(TestModels.Fim);
        var sample = Path.Combine(RepoPaths.Root, "tests", "samples", "Program.cs");

        var (exitCode, stdout, stderr) = await ServerProcess.RunAsync("complete", sample, "--line", "10", "--column", "24", "--model", model);

        Assert.Equal(0, exitCode);
        Assert.False(string.IsNullOrWhiteSpace(stdout));
        Assert.Contains("first token", stderr, StringComparison.Ordinal);
        Assert.Contains("tokens/s", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Complete_SameInputTwice_PrintsSameGreedyText()
    {
        var model = TestModels.Require(TestModels.Fim);
        var sample = Path.Combine(RepoPaths.Root, "tests", "samples", "Program.cs");

        var first = await ServerProcess.RunAsync("complete", sample, "--line", "10", "--column", "24", "--model", model);
        var second = await ServerProcess.RunAsync("complete", sample, "--line", "10", "--column", "24", "--model", model);

        Assert.Equal(first.Stdout, second.Stdout);
    }

    [Fact]
    public async Task Complete_NoModel_ExitsNonZeroWithTheFix()
    {
        var sample = Path.Combine(RepoPaths.Root, "tests", "samples", "Program.cs");

        var (exitCode, _, stderr) = await ServerProcess.RunAsync("complete", sample, "--line", "10", "--column", "24");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("--model", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Complete_PositionOutsideFile_ExitsNonZero()
    {
        var sample = Path.Combine(RepoPaths.Root, "tests", "samples", "Program.cs");

        var (exitCode, _, stderr) = await ServerProcess.RunAsync("complete", sample, "--line", "999", "--column", "1", "--model", "x.gguf");

        Assert.Equal(2, exitCode);
        Assert.Contains("--line 999", stderr, StringComparison.Ordinal);
    }
}
