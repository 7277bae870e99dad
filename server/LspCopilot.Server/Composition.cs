using LspCopilot.Backends;
using LspCopilot.Completion;
using LspCopilot.Context;
using LspCopilot.Engine;
using LspCopilot.Server.Hosting;
using LspCopilot.Server.Rpc;
using LspCopilot.Server.Worker;

namespace LspCopilot.Server;

/// <summary>
/// The one place that puts the layers together: which engine stack serves completions (in process,
/// a supervised child worker, a shared worker, a model server over HTTP) and which context provider plans them for a session.
/// Everything else receives these as interfaces.
/// </summary>
public static class Composition
{
    /// <summary>
    /// The LLamaSharp engine in this process, behind the scheduler and result cache (<c>--in-process</c>, and the
    /// worker's own engine), on the CPU build of llama.cpp that runs the model fastest here.
    /// </summary>
    public static ICompletionEngine InProcess(EngineOptions options, ServerLog log) => EngineFactory.Create(CpuBuildSelection.Apply(options, log), log);

    /// <summary>The model in a child process of ours (the default): a native crash there never takes the server down.</summary>
    public static ICompletionEngine ChildWorker(EngineOptions options, ServerLog log)
    {
        // Check the path here, so that a missing model costs no process start and reads as it does in process.
        var path = ModelFileCheck.Validate(options.ModelPath);
        return SupervisedEngine.Start(new WorkerProcessConnector(WorkerLaunch.ForThisProgram(), log), options with { ModelPath = path }, log);
    }

    /// <summary>
    /// A loader that runs the worker on <paramref name="target"/> through ssh (<paramref name="ssh"/>: the client and its
    /// options); the model path is the remote machine's, so nothing is checked here.
    /// </summary>
    public static Func<EngineOptions, ServerLog, ICompletionEngine> SshWorker(SshWorkerTarget target, IReadOnlyList<string> ssh, string? workerCommand) =>
        (options, log) => SupervisedEngine.Start(new SshWorkerConnector(target, ssh, workerCommand, log), options, log);

    /// <summary>A loader that connects to the shared worker at <paramref name="endpoint"/> (its own model and options win).</summary>
    public static Func<EngineOptions, ServerLog, ICompletionEngine> SharedWorker(WorkerEndpoint endpoint, string? token) =>
        (options, log) => SupervisedEngine.Start(new WorkerSocketConnector(endpoint, token), options, log);

    /// <summary>
    /// A loader that serves completions from a model server when the options name one (<c>--backend llama-server|openai|ollama</c>,
    /// <see cref="ModelServers"/>), and from <paramref name="llamaSharp"/> (our worker, in process, a shared worker) otherwise.
    /// A model server needs no GGUF here; the server's own request queue supersedes stale requests per document either way.
    /// </summary>
    public static Func<EngineOptions, ServerLog, ICompletionEngine> WithModelServers(Func<EngineOptions, ServerLog, ICompletionEngine> llamaSharp) =>
        (options, log) => options.Backend.IsRemote ? ModelServers.Create(options, log) : llamaSharp(options, log);

    /// <summary>
    /// A loader that adds the chat model when the options name one (<c>--chat-model</c>): the completion model from
    /// <paramref name="completions"/>, then the chat model from <paramref name="chats"/> in the background (same options,
    /// its own worker), as a <see cref="DualModelEngine"/>. Without a chat model, code actions use the completion model.
    /// </summary>
    public static Func<EngineOptions, ServerLog, ICompletionEngine> WithChatModel(Func<EngineOptions, ServerLog, ICompletionEngine> completions, Func<EngineOptions, ServerLog, ICompletionEngine> chats) =>
        (options, log) =>
        {
            var completion = completions(options with { ChatModelPath = null }, log);
            if (options.ChatModelPath is not { } chatModel)
            {
                return completion;
            }

            // The chat model is ours to load even when completions come from a model server.
            var chatOptions = options with { ModelPath = chatModel, ChatModelPath = null, DraftModelPath = null, Backend = new BackendOptions() };
            return new DualModelEngine(completion, chatModel, () => chats(chatOptions, log), log);
        };

    /// <summary>
    /// The completion planner of an LSP session: Roslyn for C# (the text gate for other languages),
    /// with the workspace folders of <c>initialize</c>, the session's documents, and the loaded model's
    /// tokenizer (the estimate until it is loaded).
    /// </summary>
    public static ICompletionContextProvider ContextsFor(LspSession session, AnalysisOptions? options = null)
    {
        // Recently edited and opened code, for every language (issue 15 §3); its own subscription, since the Roslyn
        // side follows C# documents only.
        var recent = new RecentSnippets();
        session.Documents.Changed += recent.OnDocumentChanged;
        var provider = new RoslynContextProvider(
            () => session.HasClient ? WorkspaceRoots.LocalPaths(session.Client.Params.WorkspaceRootUris()) : null,
            options ?? new AnalysisOptions(),
            () => session.Model.EngineAsync is { IsCompletedSuccessfully: true, Result: { } engine } ? engine : TokenEstimate.Instance,
            session.Log)
        {
            // The sections fit what the engine's prompt keeps of them, so it never cuts them (the same PromptBudget rule);
            // a worker not started yet reports no context size.
            PromptContextLimit = () => session.Model.EngineAsync is { IsCompletedSuccessfully: true, Result: { ContextSize: > 0 } engine }
                ? PromptBudget.For(session.HasClient ? session.Client.Generation : session.DefaultGeneration, engine.ContextSize, engine.Fim.HasFim).Context
                : null,

            // A model with repository-level tokens gets its context as other files of the repository (issue 15 §4).
            Recent = recent,
            StyleSource = () => session.Model.EngineAsync is { IsCompletedSuccessfully: true, Result: { } engine } ? ContextStyle.For(engine.Fim) : null,
        };
        session.Documents.Changed += provider.OnDocumentChanged;
        session.WatchedFileChanged += (uri, type) => provider.OnFileChanged(uri, type switch
        {
            1 => FileChangeKind.Created,
            3 => FileChangeKind.Deleted,
            _ => FileChangeKind.Changed,
        });
        return provider;
    }
}
