using System.Net.Sockets;
using System.Text;
using LspCopilot.Completion;
using LspCopilot.Server.Configuration;
using LspCopilot.Server.Worker;
using LspCopilot.TestSupport;

namespace LspCopilot.Server.Tests.Worker;

/// <summary>A real <c>lspcopilot worker --listen</c> process on 127.0.0.1, reached over real sockets.</summary>
public sealed class SharedWorkerTests
{
    private const string Token = "a-long-shared-secret-for-tests";
    private static readonly TimeSpan s_guard = TimeSpan.FromSeconds(60);
    private static readonly IReadOnlyDictionary<string, string?> s_withToken = new Dictionary<string, string?> { [AccessToken.EnvironmentVariable] = Token };

    [Fact]
    public async Task ListenOnNonLoopbackWithoutToken_RefusedAtStartup()
    {
        await using var worker = LspCopilotProcess.Start(["worker", "--listen", "0.0.0.0:0"]);

        var exitCode = await worker.WaitForExitAsync();

        Assert.Equal(2, exitCode);
        Assert.Contains("without a token", worker.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RightToken_CompletesThroughTheSharedWorker()
    {
        var model = TestModels.Require(TestModels.Fim);
        var (worker, port) = await LspCopilotProcess.StartSharedWorkerAsync(model, s_withToken);
        await using var _ = worker;
        using var engine = Connect(port, Token);

        var result = await engine.CompleteAsync(ChildWorkers.Short(), null, TestContext.Current.CancellationToken).WaitAsync(s_guard, TestContext.Current.CancellationToken);

        Assert.NotEmpty(result.Text);
        Assert.Equal(worker.Process.Id, engine.Info.ProcessId);
    }

    [Fact]
    public async Task WrongToken_ConnectionRefused()
    {
        var (worker, port) = await LspCopilotProcess.StartSharedWorkerAsync(TestModels.Require(TestModels.Fim), s_withToken);
        await using var _ = worker;

        var error = Assert.Throws<ModelLoadException>(() => Connect(port, "not-the-token"));

        Assert.Contains("token", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingToken_ConnectionRefused()
    {
        var (worker, port) = await LspCopilotProcess.StartSharedWorkerAsync(TestModels.Require(TestModels.Fim), s_withToken);
        await using var _ = worker;

        var error = Assert.Throws<ModelLoadException>(() => Connect(port, null));

        Assert.Contains("token", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WrongToken_ClosedBeforeAnyJsonRpcIsProcessed()
    {
        var (worker, port) = await LspCopilotProcess.StartSharedWorkerAsync(TestModels.Require(TestModels.Fim), s_withToken);
        await using var _ = worker;
        var request = Frame("""{"jsonrpc":"2.0","id":1,"method":"engine/info"}""");

        var reply = await ExchangeAsync(port, [.. Encoding.UTF8.GetBytes(WorkerHandshake.Greeting + "wrong\n"), .. request]);

        Assert.StartsWith("ERROR ", reply, StringComparison.Ordinal);
        Assert.DoesNotContain("Content-Length", reply, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HttpRequestToTheWorkerPort_RefusedAtOnce()
    {
        var (worker, port) = await LspCopilotProcess.StartSharedWorkerAsync(TestModels.Require(TestModels.Fim));
        await using var _ = worker;

        var reply = await ExchangeAsync(port, Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));

        Assert.StartsWith("ERROR ", reply, StringComparison.Ordinal);
        Assert.DoesNotContain("HTTP/1.1 200", reply, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TwoServers_SameClientId_NeitherCancelsTheOther()
    {
        var model = TestModels.Require(TestModels.Fim);
        var (worker, port) = await LspCopilotProcess.StartSharedWorkerAsync(model);
        await using var _ = worker;
        using var first = Connect(port, null);
        using var second = Connect(port, null);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        // Both servers' first session is "s1": without the worker's per-connection ids they would collide.
        // The first request still has hundreds of tokens to write when the second one arrives.
        var longer = ChildWorkers.Endless() with { ClientId = "s1", Generation = new GenerationOptions { MaxTokens = 300 } };
        var long1 = first.CompleteAsync(longer, _ => started.TrySetResult(), TestContext.Current.CancellationToken);
        await started.Task.WaitAsync(s_guard, TestContext.Current.CancellationToken);
        var short2 = second.CompleteAsync(ChildWorkers.Short() with { ClientId = "s1" }, null, TestContext.Current.CancellationToken);
        var results = await Task.WhenAll(long1, short2).WaitAsync(s_guard, TestContext.Current.CancellationToken);

        Assert.Equal(StopReason.TokenLimit, results[0].Reason);
        Assert.NotEmpty(results[1].Text);
        Assert.Equal(first.Info.ProcessId, second.Info.ProcessId);
    }

    [Fact]
    public async Task SharedWorkerKilled_RequestFailsWithCrashError()
    {
        var (worker, port) = await LspCopilotProcess.StartSharedWorkerAsync(TestModels.Require(TestModels.Fim));
        await using var _ = worker;
        using var engine = Connect(port, null);
        var killed = 0;

        var running = engine.CompleteAsync(ChildWorkers.Endless(), _ =>
        {
            if (Interlocked.Exchange(ref killed, 1) == 0)
            {
                worker.Process.Kill();
            }
        }, TestContext.Current.CancellationToken);
        var error = await Assert.ThrowsAsync<EngineCrashedException>(() => running.WaitAsync(s_guard, TestContext.Current.CancellationToken));

        Assert.Contains("shared worker", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SharedWorkerFrozen_RequestFailsAfterTheStallTimeout_ThenTheServerReconnects()
    {
        var (worker, port) = await LspCopilotProcess.StartSharedWorkerAsync(TestModels.Require(TestModels.Fim));
        await using var _ = worker;
        using var engine = SupervisedEngine.Start(
            new WorkerSocketConnector(new WorkerEndpoint("127.0.0.1", port), null), new EngineOptions { StallTimeoutSeconds = 2 }, ChildWorkers.Log, ChildWorkers.QuickRestarts);
        await engine.CompleteAsync(ChildWorkers.Short(), null, TestContext.Current.CancellationToken).WaitAsync(s_guard, TestContext.Current.CancellationToken);

        ChildWorkers.Freeze(worker.Process.Id);
        EngineCrashedException error;
        try
        {
            error = await Assert.ThrowsAsync<EngineCrashedException>(() =>
                engine.CompleteAsync(ChildWorkers.Short("Once upon a time, a cat"), null, TestContext.Current.CancellationToken).WaitAsync(s_guard, TestContext.Current.CancellationToken));
        }
        finally
        {
            ChildWorkers.Thaw(worker.Process.Id);
        }

        var next = await engine.CompleteAsync(ChildWorkers.Short("Once upon a time, a dog"), null, TestContext.Current.CancellationToken).WaitAsync(s_guard, TestContext.Current.CancellationToken);

        Assert.Contains("no progress for 2 s", error.Message, StringComparison.Ordinal);
        Assert.Contains("reconnecting", error.Message, StringComparison.Ordinal);
        Assert.NotNull(next.Text);
        Assert.False(worker.Process.HasExited);
    }

    [Fact]
    public async Task SharedWorkerWhoseEngineStalls_AnswersTheError_RestartsInPlaceOnTheSamePort_AndServesTheReconnectedClient()
    {
        const string Marker = "STALL-THE-SHARED-ENGINE";
        var (worker, port) = await LspCopilotProcess.StartSharedWorkerAsync(
            TestModels.Require(TestModels.Fim), new Dictionary<string, string?> { [WorkerHost.TestStallVariable] = Marker }, ["--stall-timeout", "1"]);
        await using var _ = worker;
        using var engine = Connect(port, null);

        var error = await Assert.ThrowsAsync<EngineCrashedException>(() =>
            engine.CompleteAsync(ChildWorkers.Short(Marker + " Once upon a time"), null, TestContext.Current.CancellationToken).WaitAsync(s_guard, TestContext.Current.CancellationToken));
        var portAfterRestart = await worker.WaitForListeningAsync();
        var next = await engine.CompleteAsync(ChildWorkers.Short("Once upon a time, a dog"), null, TestContext.Current.CancellationToken).WaitAsync(s_guard, TestContext.Current.CancellationToken);

        Assert.Contains("found its engine stuck and is restarting it", error.Message, StringComparison.Ordinal);
        Assert.Contains("no progress for 1 s", error.Message, StringComparison.Ordinal);
        Assert.Equal(port, portAfterRestart);
        Assert.NotEmpty(next.Text);
        Assert.False(worker.Process.HasExited);
        Assert.Equal(worker.Process.Id, engine.Info.ProcessId);
        Assert.Contains("restart 1", worker.Stderr, StringComparison.Ordinal);
    }

    private static SupervisedEngine Connect(int port, string? token) =>
        SupervisedEngine.Start(new WorkerSocketConnector(new WorkerEndpoint("127.0.0.1", port), token), new EngineOptions(), ChildWorkers.Log, ChildWorkers.QuickRestarts);

    private static byte[] Frame(string json)
    {
        var body = Encoding.UTF8.GetBytes(json);
        return [.. Encoding.ASCII.GetBytes($"Content-Length: {body.Length}\r\n\r\n"), .. body];
    }

    /// <summary>Sends bytes and reads everything the worker writes until it closes the connection.</summary>
    private static async Task<string> ExchangeAsync(int port, byte[] bytes)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port, TestContext.Current.CancellationToken);
        var stream = client.GetStream();
        await stream.WriteAsync(bytes, TestContext.Current.CancellationToken);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return await reader.ReadToEndAsync(TestContext.Current.CancellationToken).WaitAsync(s_guard, TestContext.Current.CancellationToken);
    }
}
