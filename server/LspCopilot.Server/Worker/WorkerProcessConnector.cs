using LspCopilot.Completion;

namespace LspCopilot.Server.Worker;

/// <summary>Starts the worker as our child process, talking JSON-RPC over its stdin/stdout.</summary>
public sealed class WorkerProcessConnector(WorkerLaunch launch, ServerLog log) : IWorkerConnector
{
    public string Description => "the inference worker";

    public bool OwnsWorker => true;

    public Task<IWorkerChannel> OpenAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult<IWorkerChannel>(WorkerProcess.Start(launch, log));
    }
}
