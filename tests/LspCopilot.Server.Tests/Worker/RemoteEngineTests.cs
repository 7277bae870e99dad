using LspCopilot.Completion;
using LspCopilot.Server.Worker;
using LspCopilot.TestSupport;
using Nerdbank.Streams;

namespace LspCopilot.Server.Tests.Worker;

/// <summary>The worker protocol over an in-memory duplex stream: how errors and lost connections come back.</summary>
public sealed class RemoteEngineTests
{
    private static readonly TimeSpan s_guard = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Complete_WorkerQueueFull_EngineBusyException()
    {
        await using var pair = await InMemoryWorker.StartAsync(new ThrowingEngine(new EngineBusyException("16 requests are waiting.")));

        var error = await Assert.ThrowsAsync<EngineBusyException>(() => pair.Remote.CompleteAsync(ChildWorkers.Short(), null, TestContext.Current.CancellationToken).WaitAsync(s_guard, TestContext.Current.CancellationToken));

        Assert.Contains("16 requests are waiting", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Complete_EngineFails_InvalidOperationNamingTheWorkerAndTheCause()
    {
        await using var pair = await InMemoryWorker.StartAsync(new ThrowingEngine(new InvalidOperationException("llama_decode returned -1")));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => pair.Remote.CompleteAsync(ChildWorkers.Short(), null, TestContext.Current.CancellationToken).WaitAsync(s_guard, TestContext.Current.CancellationToken));

        Assert.Contains("inference worker", error.Message, StringComparison.Ordinal);
        Assert.Contains("llama_decode returned -1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Load_WorkerCannotLoad_ModelLoadExceptionWithTheWorkersMessage()
    {
        var (client, server) = FullDuplexStream.CreatePair();
        using var host = new WorkerHost((_, _) => throw new ModelLoadException("The model file '/m.gguf' does not exist."), ServerLog.Silent);
        var serving = WorkerSession.RunAsync(host, server, server, ServerLog.Silent, TestContext.Current.CancellationToken);
        using var remote = new RemoteEngine(client, client, ServerLog.Silent);

        var error = await Assert.ThrowsAsync<ModelLoadException>(() => remote.LoadAsync(new EngineOptions(), TestContext.Current.CancellationToken).WaitAsync(s_guard, TestContext.Current.CancellationToken));

        Assert.Equal("The model file '/m.gguf' does not exist.", error.Message);
        remote.Dispose();
        await serving.WaitAsync(s_guard, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Complete_ConnectionDropsMidRequest_EngineCrashedException()
    {
        var (client, server) = FullDuplexStream.CreatePair();
        using var remote = new RemoteEngine(client, client, ServerLog.Silent);

        var running = remote.CompleteAsync(ChildWorkers.Short(), null, TestContext.Current.CancellationToken);
        await server.ReadExactlyAsync(new byte[1], TestContext.Current.CancellationToken); // the request is on its way
        await server.DisposeAsync();

        await Assert.ThrowsAsync<EngineCrashedException>(() => running.WaitAsync(s_guard, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task CountTokens_ConnectionClosed_EstimatesInsteadOfThrowing()
    {
        var (client, server) = FullDuplexStream.CreatePair();
        using var remote = new RemoteEngine(client, client, ServerLog.Silent);
        await server.DisposeAsync();
        await remote.Completion.WaitAsync(s_guard, TestContext.Current.CancellationToken);

        var counts = await remote.CountTokensAsync(["sixteen letters!", "four"], TestContext.Current.CancellationToken);

        Assert.Equal([TokenEstimate.Count("sixteen letters!"), TokenEstimate.Count("four")], counts);
    }

    /// <summary>An engine whose every completion fails with the given exception (protocol tests only).</summary>
    private sealed class ThrowingEngine(Exception error) : ICompletionEngine
    {
        public string ModelName => "throwing.gguf";

        public FimLayout Fim => FimLayout.PrefixOnly;

        public int ContextSize => 512;

        public Task<IReadOnlyList<int>> CountTokensAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<int>>([.. texts.Select(t => t.Length)]);

        public Task RememberAsync(CompletionRequest request, string text, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task<CompletionResult> CompleteAsync(CompletionRequest request, Action<string>? onText, CancellationToken cancellationToken) =>
            Task.FromException<CompletionResult>(error);

        public void Dispose()
        {
        }
    }
}
