using LspCopilot.Server.Configuration;
using LspCopilot.Server.Inference;
using LspCopilot.Server.Logging;

namespace LspCopilot.Server.Worker;

/// <summary>Where the language server's engine runs: in process, in a supervised child worker, or in a shared worker.</summary>
public static class WorkerEngines
{
    /// <summary>The model in a child process of ours (the default): a native crash there never takes the server down.</summary>
    public static ICompletionEngine StartChild(EngineOptions options, ServerLog log)
    {
        // Check the path here, so that a missing model costs no process start and reads as it does in process.
        var path = ModelFileCheck.Validate(options.ModelPath);
        return SupervisedEngine.Start(new WorkerProcessConnector(WorkerLaunch.ForThisProgram(), log), options with { ModelPath = path }, log);
    }

    /// <summary>A loader that connects to the shared worker at <paramref name="endpoint"/> (its own model and options win).</summary>
    public static Func<EngineOptions, ServerLog, ICompletionEngine> Shared(WorkerEndpoint endpoint, string? token) =>
        (options, log) => SupervisedEngine.Start(new WorkerSocketConnector(endpoint, token), options, log);
}
