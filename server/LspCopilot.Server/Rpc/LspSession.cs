using LspCopilot.Completion;
using LspCopilot.Completion.CodeActions;
using LspCopilot.Server.Documents;
using LspCopilot.Server.Hosting;
using LspCopilot.Server.Protocol;
using LspCopilot.Server.Stats;
using StreamJsonRpc;

namespace LspCopilot.Server.Rpc;

/// <summary>
/// One LSP connection: its lifecycle, documents, request queue, the client's settings (fixed at
/// initialize) and the way back to the client. Handlers reach documents only through the
/// <see cref="RequestQueue"/>, which hands each request a <see cref="RequestContext"/>.
/// </summary>
public sealed class LspSession : IDisposable
{
    private ClientSettings? _client;
    private ServerStatusParams? _lastStatus;
    private int _modelErrorShown;
    private int _workerCrashShown;

    internal LspSession(JsonRpc rpc, ModelHost model, GenerationOptions generation, Func<LspSession, ICompletionContextProvider> contexts, ServerLog log, DocumentBudget documents, StatsStore? stats = null)
    {
        Suggestions = new SuggestionTracker(stats ?? StatsStore.User, log);
        Rpc = rpc;
        Model = model;
        DefaultGeneration = generation;
        Log = log;
        Documents = new DocumentStore(log, Id, documents, message => _ = Notify(LspMethods.ShowMessage, new ShowMessageParams(MessageType.Warning, message)));
        Contexts = contexts(this);
        Conversations = new ConversationStore(Id);
        Conversations.Ended += EndConversationInEngine;
    }

    private static int s_sessions;

    /// <summary>Unique within the process: keys this session's documents in the shared engine.</summary>
    public string Id { get; } = "s" + Interlocked.Increment(ref s_sessions).ToString(System.Globalization.CultureInfo.InvariantCulture);

    public JsonRpc Rpc { get; }

    public Lifecycle Lifecycle { get; } = new();

    public DocumentStore Documents { get; }

    public RequestQueue Requests { get; } = new();

    /// <summary>The session's typing rate and engine latency, for the opt-in wait for a pause (initializationOptions.suggestions.debounceMs).</summary>
    public AdaptiveDebounce Debounce { get; } = new();

    public ModelHost Model { get; }

    public ICompletionContextProvider Contexts { get; }

    public ServerLog Log { get; }

    /// <summary>Code actions' view of a document's language: Roslyn for C# (the context provider), plain text for the rest.</summary>
    public ICodeActionAnalysis CodeActions => Contexts as ICodeActionAnalysis ?? TextCodeActionAnalysis.Instance;

    /// <summary>This session's suggestions for the local acceptance statistics.</summary>
    public SuggestionTracker Suggestions { get; }

    /// <summary>This session's explanation conversations (in memory only).</summary>
    public ConversationStore Conversations { get; }

    /// <summary>Generation options before the client's initializationOptions apply.</summary>
    public GenerationOptions DefaultGeneration { get; }

    /// <summary>What the client said in initialize; <see cref="ClientSettings.None"/> before it.</summary>
    public ClientSettings Client => Volatile.Read(ref _client) ?? ClientSettings.None;

    /// <summary>True once initialize was received.</summary>
    public bool HasClient => Volatile.Read(ref _client) is not null;

    /// <summary>Records the client's settings; once per session (initialize).</summary>
    internal void SetClient(ClientSettings client)
    {
        if (Interlocked.CompareExchange(ref _client, client, null) is not null)
        {
            throw new InvalidOperationException("The client's settings are already set.");
        }
    }

    /// <summary>
    /// The context of a request for <paramref name="uri"/>, after every earlier notification was
    /// applied; null when the document is not open. Dispose it when the request ends.
    /// </summary>
    public RequestContext? BeginRequest(string uri, CancellationToken requestToken) =>
        Requests.BeginRequest(uri, () => Documents.Get(uri), (document, inFlight) => new RequestContext(document, Client, inFlight, this), requestToken);

    /// <summary>
    /// The context of a code action or explanation for <paramref name="uri"/>: like <see cref="BeginRequest"/>,
    /// but it supersedes no other request and none supersedes it; an edit of the document cancels it when
    /// <paramref name="cancelOnEdit"/>. Null when the document is not open.
    /// </summary>
    public RequestContext? BeginSideRequest(string uri, CancellationToken requestToken, bool cancelOnEdit) =>
        Requests.BeginSideRequest(uri, () => Documents.Get(uri), (document, inFlight) => new RequestContext(document, Client, inFlight, this), cancelOnEdit, requestToken);

    /// <summary>Tells the client the model's state when it changed (lspcopilot/status), for its status bar.</summary>
    public void ReportStatus(string state, string? model = null, string? message = null)
    {
        var last = Volatile.Read(ref _lastStatus);
        if (last is not null && last.State == state && last.Model == model && last.Message == message)
        {
            return; // the usual case on every answer: nothing changed, nothing allocated
        }

        var status = new ServerStatusParams(state, model, message);
        if (Interlocked.CompareExchange(ref _lastStatus, status, last) == last)
        {
            _ = Notify(LspMethods.Status, status);
        }
    }

    /// <summary>Tells the user, once per session, that the model is unavailable and how to fix it.</summary>
    public void ShowModelErrorOnce(string message)
    {
        if (Interlocked.Exchange(ref _modelErrorShown, 1) == 0)
        {
            _ = Notify(LspMethods.ShowMessage, new ShowMessageParams(MessageType.Error, "LspCopilot: " + message));
        }

        ReportStatus(ServerStates.Unavailable, null, message);
    }

    /// <summary>Tells the user once per crash of the inference worker (one crash fails every request it was running).</summary>
    public void ShowWorkerCrashOnce(EngineCrashedException crash)
    {
        var shown = Volatile.Read(ref _workerCrashShown);
        if (crash.CrashId > shown && Interlocked.CompareExchange(ref _workerCrashShown, crash.CrashId, shown) == shown)
        {
            _ = Notify(LspMethods.ShowMessage, new ShowMessageParams(MessageType.Warning, "LspCopilot: " + crash.Message));
            ReportStatus(ServerStates.Crashed, Model.EngineAsync is { IsCompletedSuccessfully: true, Result: { } engine } ? engine.ModelName : null, crash.Message);
        }
    }

    /// <summary>Sends a notification; failures (a closed connection) are logged, never thrown.</summary>
    public async Task Notify(string method, object parameters)
    {
        try
        {
            await Rpc.NotifyWithParameterObjectAsync(method, parameters).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ObjectDisposedException or ConnectionLostException or InvalidOperationException or IOException)
        {
            Log.Debug($"Could not send {method}: {ex.Message}");
        }
    }

    /// <summary>Files changed on disk, as the editor's watcher reports them (uri, LSP FileChangeType).</summary>
    public event Action<string, int>? WatchedFileChanged;

    internal void OnWatchedFileChanged(string uri, int type) => WatchedFileChanged?.Invoke(uri, type);

    public void CancelAll() => Requests.CancelAll();

    /// <summary>A forgotten conversation's cache in the engine goes too (best effort: the engine may be gone).</summary>
    private void EndConversationInEngine(string conversationId)
    {
        if (Model.EngineAsync is { IsCompletedSuccessfully: true, Result: { } engine } && ChatEngines.ChatOf(engine) is { } chat)
        {
            _ = EndAsync(chat);
        }

        async Task EndAsync(Completion.Chat.IChatEngine chat)
        {
            try
            {
                await chat.EndConversationAsync(conversationId, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                Log.Debug($"The engine could not forget conversation {conversationId}: {ex.Message}");
            }
        }
    }

    public void Dispose()
    {
        CancelAll();
        Conversations.EndAll();
        Documents.Dispose();
        (Contexts as IDisposable)?.Dispose();
    }
}
