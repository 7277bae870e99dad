using System.Text.Json;
using LspCopilot.Server.Benchmarks.Soak;
using LspCopilot.Server.Protocol;
using LspCopilot.TestSupport;

namespace LspCopilot.Server.Tests.Cli;

public sealed class SoakBenchmarkTests
{
    [Fact]
    public void Typist_EveryKeystrokeAppliesToTheEditorsText_AFullRoundLeavesTheFileAsItWas()
    {
        var folder = Directory.CreateTempSubdirectory("soak-typist-");
        try
        {
            var (text, spots) = SoakWorkspace.Write(folder.FullName);
            var typist = new SoakTypist(text, spots, SoakWorkspace.Statements);
            var editor = text;
            var deletes = 0;
            while (deletes < spots.Count)
            {
                var key = typist.Next();
                var start = OffsetOf(editor, key.Range.Start);
                var end = OffsetOf(editor, key.Range.End);
                Assert.InRange(start, 0, end);
                editor = editor[..start] + key.Text + editor[end..];
                Assert.Equal(typist.Text, editor);
                Assert.Equal(key.Cursor, typist.Cursor);
                deletes += key.Text.Length == 0 ? 1 : 0;
            }

            Assert.Equal(text, editor);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Bench_SoakForTwoSeconds_EveryRequestCountedOnce_ReportsTheSuiteKeys()
    {
        var model = TestModels.Require(TestModels.Fim);

        // Not CliProcess (90 s): on a busy machine the last request alone may take most of a minute, and the
        // suite waits for it, so this waits as long as the suite may.
        await using var run = LspCopilotProcess.Start(["bench", "--suite", "soak", "--soak-seconds", "2", "--json", "--model", model], readStdout: false);
        run.Process.StandardInput.Close();
        var stdout = await run.Process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromMinutes(5), TestContext.Current.CancellationToken);
        await run.Process.WaitForExitAsync(TestContext.Current.CancellationToken);

        Assert.True(run.Process.ExitCode == 0, run.Stderr);
        using var json = JsonDocument.Parse(stdout);
        var report = json.RootElement;
        foreach (var key in new[] { "server_rss_growth_mb", "worker_rss_growth_mb", "server_rss_mb_30s", "server_rss_mb_end", "latency_p50_ms", "latency_p95_ms", "cancelled" })
        {
            Assert.True(report.TryGetProperty(key, out _), $"no {key} in {stdout}");
        }

        var requests = report.GetProperty("requests").GetDouble();
        Assert.True(requests >= 1, stdout);
        Assert.Equal(report.GetProperty("keystrokes").GetDouble(), requests);
        Assert.Equal(requests, report.GetProperty("answered").GetDouble() + report.GetProperty("unanswered_requests").GetDouble());
        Assert.Equal(0, report.GetProperty("answers_without_request").GetDouble());
        Assert.True(report.TryGetProperty("errors_other_than_cancelled", out _));
    }

    [Fact]
    public async Task Bench_SoakWithoutAModel_ExitsNonZeroSayingHowToPassOne()
    {
        var run = await CliProcess.RunAsync(["bench", "--suite", "soak", "--soak-seconds", "2"], cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(3, run.ExitCode);
        Assert.Contains("--model", run.Stderr, StringComparison.Ordinal);
        Assert.Equal(string.Empty, run.Stdout.Trim());
    }

    private static int OffsetOf(string text, Position position)
    {
        var offset = 0;
        for (var line = 0; line < position.Line; line++)
        {
            offset = text.IndexOf('\n', offset) + 1;
        }

        return offset + position.Character;
    }
}
