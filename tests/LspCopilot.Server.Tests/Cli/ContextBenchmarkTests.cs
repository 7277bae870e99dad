using LspCopilot.Completion;
using LspCopilot.Server.Benchmarks;

namespace LspCopilot.Server.Tests.Cli;

public sealed class ContextBenchmarkTests
{
    [Fact]
    public async Task RunAsync_SmallWorkspace_ReportsTheSuiteKeys()
    {
        var options = new ContextBenchmarkOptions { Files = 5, BigFileLines = 200, Keystrokes = 5, WarmUpKeystrokes = 2 };

        var metrics = await ContextBenchmark.RunAsync(options, ServerLog.Silent, TestContext.Current.CancellationToken);

        Assert.Subset(metrics.Keys.ToHashSet(), new HashSet<string> { "context_ms_p50", "context_ms_p99", "workspace_load_ms" });
        Assert.Equal(5, metrics["keystrokes"]);
        Assert.Equal(5, metrics["files"]);
        Assert.True(metrics["context_tokens_p50"] > 0);
    }
}
