using System.Text.Json;
using LspCopilot.Completion;
using LspCopilot.Server.Cli;
using LspCopilot.Server.Protocol;
using LspCopilot.Server.Worker;
using LspCopilot.TestSupport;

namespace LspCopilot.Server.Tests.Worker;

/// <summary>
/// The built server with its worker child frozen (SIGSTOP): a request never hangs — it fails after the stall
/// timeout or answers its cancellation at once — the frozen worker is replaced, and the server exits promptly.
/// </summary>
public sealed class StalledWorkerTests
{
    private const string Uri = "file:///work/Program.cs";
    private const string Source = "class Program\n{\n    static void Main()\n    {\n        var message = \n        \n    }\n}\n";

    [Fact]
    public async Task FrozenWorker_RequestFailsAfterTheStallTimeout_AFreshWorkerServesTheNext()
    {
        await using var server = LspCopilotProcess.Start(["--stdio", "--model", TestModels.Require(TestModels.Fim), "--stall-timeout", "5", "--log-level", "debug"], readStdout: false);
        var client = await OpenAsync(server);
        var worker = await server.WaitForWorkerProcessIdAsync();
        var warm = await client.RequestAsync(LspMethods.InlineCompletion, Inline(4, 22));
        Assert.True(warm.TryGetProperty("result", out _), "The worker must answer before it is frozen: " + warm);

        ChildWorkers.Freeze(worker);
        try
        {
            var failed = await client.RequestAsync(LspMethods.InlineCompletion, Inline(5, 8));
            var next = await client.RequestAsync(LspMethods.InlineCompletion, Inline(4, 22));

            var error = failed.GetProperty("error");
            var stderr = server.Stderr;
            Assert.True(
                error.GetProperty("code").GetInt32() == LspErrorCodes.RequestFailed,
                $"Expected RequestFailed (-32803), got {error}. The server's log ends:\n{stderr[Math.Max(0, stderr.Length - 6000)..]}");
            Assert.Contains("no progress for 5 s", error.GetProperty("message").GetString(), StringComparison.Ordinal);
            Assert.Equal(JsonValueKind.Array, next.GetProperty("result").GetProperty("items").ValueKind);
            Assert.NotEqual(worker, await server.WaitForWorkerProcessIdAsync(after: 1));
            Assert.True(ChildWorkers.HasExited(worker));
        }
        finally
        {
            ChildWorkers.Thaw(worker);
        }
    }

    [Fact]
    public async Task FrozenWorker_CancelIsAnsweredAtOnce_AndTheServerExitsWithoutWaitingForIt()
    {
        await using var server = LspCopilotProcess.Start(["--stdio", "--model", TestModels.Require(TestModels.Fim), "--stall-timeout", "600", "--log-level", "debug"], readStdout: false);
        var client = await OpenAsync(server);
        var worker = await server.WaitForWorkerProcessIdAsync();
        await client.RequestAsync(LspMethods.InlineCompletion, Inline(4, 22));

        ChildWorkers.Freeze(worker);
        try
        {
            var (id, stuck) = await client.StartRequestAsync(LspMethods.InlineCompletion, Inline(5, 8));
            await Task.Delay(300, TestContext.Current.CancellationToken); // Let it reach the frozen worker.
            await client.CancelAsync(id);
            var cancelled = await stuck.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);
            await client.RequestAsync(LspMethods.Shutdown, null);
            await client.NotifyAsync(LspMethods.Exit, null);

            Assert.Equal(LspErrorCodes.RequestCancelled, cancelled.GetProperty("error").GetProperty("code").GetInt32());
            Assert.Equal(0, await server.WaitForExitAsync());
            await Eventually.TrueAsync(() => ChildWorkers.HasExited(worker));
        }
        finally
        {
            ChildWorkers.Thaw(worker);
        }
    }

    [Fact]
    public async Task WorkerWhoseEngineStalls_AnswersStalledThenExitsForItsSupervisor()
    {
        const string Marker = "STALL-THE-ENGINE-HERE";
        await using var worker = LspCopilotProcess.Start(["worker", "--stdio", "--stall-timeout", "1"], new Dictionary<string, string?> { [WorkerHost.TestStallVariable] = Marker }, readStdout: false);
        using var engine = new RemoteEngine(worker.Process.StandardInput.BaseStream, worker.Process.StandardOutput.BaseStream, ChildWorkers.Log);
        await engine.LoadAsync(new EngineOptions { ModelPath = TestModels.Require(TestModels.Fim) }, TestContext.Current.CancellationToken);

        var stalled = engine.CompleteAsync(ChildWorkers.Short(Marker + " Once upon a time, there was a little"), null, TestContext.Current.CancellationToken);

        var error = await Assert.ThrowsAsync<EngineStalledException>(() => stalled.WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken));
        Assert.Contains("no progress for 1 s", error.Message, StringComparison.Ordinal);
        Assert.Equal(WorkerCommand.StalledExitCode, await worker.WaitForExitAsync());
    }

    private static async Task<RawLspClient> OpenAsync(LspCopilotProcess server)
    {
        var client = new RawLspClient(server.Process.StandardInput.BaseStream, server.Process.StandardOutput.BaseStream);
        await client.InitializeAsync();
        await client.NotifyAsync(LspMethods.DidOpen, new { textDocument = new { uri = Uri, languageId = "csharp", version = 1, text = Source } });
        return client;
    }

    private static object Inline(int line, int character) => new
    {
        textDocument = new { uri = Uri },
        position = new { line, character },
        context = new { triggerKind = 1 },
    };
}
