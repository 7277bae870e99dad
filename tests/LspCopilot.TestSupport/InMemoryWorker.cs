using LspCopilot.Completion;
using LspCopilot.Server.Worker;
using Nerdbank.Streams;

namespace LspCopilot.TestSupport;

/// <summary>
/// A worker session serving <paramref name="engine"/> on one end of an in-memory pipe and a loaded
/// <see cref="RemoteEngine"/> on the other: the worker protocol without a process.
/// </summary>
public sealed class InMemoryWorker : IAsyncDisposable
{
    private static readonly TimeSpan s_guard = TimeSpan.FromSeconds(30);

    private readonly WorkerHost _host;
    private readonly Task _serving;

    private InMemoryWorker(WorkerHost host, Task serving, RemoteEngine remote)
    {
        _host = host;
        _serving = serving;
        Remote = remote;
    }

    public RemoteEngine Remote { get; }

    public static async Task<InMemoryWorker> StartAsync(ICompletionEngine engine)
    {
        var (client, server) = FullDuplexStream.CreatePair();
        var host = new WorkerHost((_, _) => engine, ServerLog.Silent);
        var serving = WorkerSession.RunAsync(host, server, server, ServerLog.Silent, CancellationToken.None);
        var remote = new RemoteEngine(client, client, ServerLog.Silent);
        await remote.LoadAsync(new EngineOptions(), CancellationToken.None);
        return new InMemoryWorker(host, serving, remote);
    }

    public async ValueTask DisposeAsync()
    {
        Remote.Dispose();
        await _serving.WaitAsync(s_guard);
        _host.Dispose();
    }
}
