using System.Collections.Concurrent;
using System.Text.Json;
using LspCopilot.Completion;
using LspCopilot.Server.Documents;
using LspCopilot.Server.Hosting;
using LspCopilot.Server.Protocol;
using StreamJsonRpc;

namespace LspCopilot.Server.Rpc;

/// <summary>The state of one LSP connection: lifecycle, documents, in-flight requests, the client.</summary>
public sealed class LspSession : IDisposable
{
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _inflight = new(StringComparer.Ordinal);
    private int _modelErrorShown;
    private int _workerCrashShown;

    internal LspSession(JsonRpc rpc, ModelHost model, GenerationOptions generation, Func<LspSession, ICompletionContextProvider> contexts, ServerLog log)
    {
        Rpc = rpc;
        Model = model;
        Generation = generation;
        Log = log;
        Documents = new DocumentStore(log, Id);
        Contexts = contexts(this);
    }

    private static int s_sessions;

    /// <summary>Unique within the process: keys this session's documents in the shared engine.</summary>
    public string Id { get; } = "s" + Interlocked.Increment(ref s_sessions).ToString(System.Globalization.CultureInfo.InvariantCulture);

    public JsonRpc Rpc { get; }

    public Lifecycle Lifecycle { get; } = new();

    public DocumentStore Documents { get; }

    public ModelHost Model { get; }

    public ICompletionContextProvider Contexts { get; }

    public ServerLog Log { get; }

    public GenerationOptions Generation { get; internal set; }

    public InitializeParams? InitializeParams { get; internal set; }

    public InitializationOptions? InitializationOptions { get; internal set; }

    /// <summary>True when the client said it can show inline completions.</summary>
    public bool ClientSupportsInline { get; internal set; }

    public bool ClientSupportsWorkDoneProgress { get; internal set; }

    /// <summary>
    /// Starts a request that supersedes any earlier one for the same document (newest keystroke wins):
    /// the earlier one is cancelled. Dispose the result when the request ends.
    /// </summary>
    public SupersedingScope BeginDocumentRequest(string uri, CancellationToken requestToken)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(requestToken);
        CancellationTokenSource? previous = null;
        _inflight.AddOrUpdate(uri, cts, (_, old) =>
        {
            previous = old;
            return cts;
        });
        CancelQuietly(previous);

        return new SupersedingScope(this, uri, cts);
    }

    internal void EndDocumentRequest(string uri, CancellationTokenSource cts)
    {
        _inflight.TryRemove(new KeyValuePair<string, CancellationTokenSource>(uri, cts));
        cts.Dispose();
    }

    /// <summary>Tells the user, once per session, that the model is unavailable and how to fix it.</summary>
    public void ShowModelErrorOnce(string message)
    {
        if (Interlocked.Exchange(ref _modelErrorShown, 1) == 0)
        {
            _ = Notify(LspMethods.ShowMessage, new ShowMessageParams(MessageType.Error, "LspCopilot: " + message));
        }
    }

    /// <summary>Tells the user once per crash of the inference worker (one crash fails every request it was running).</summary>
    public void ShowWorkerCrashOnce(EngineCrashedException crash)
    {
        var shown = Volatile.Read(ref _workerCrashShown);
        if (crash.CrashId > shown && Interlocked.CompareExchange(ref _workerCrashShown, crash.CrashId, shown) == shown)
        {
            _ = Notify(LspMethods.ShowMessage, new ShowMessageParams(MessageType.Warning, "LspCopilot: " + crash.Message));
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

    public void CancelAll()
    {
        foreach (var cts in _inflight.Values)
        {
            CancelQuietly(cts);
        }
    }

    public void Dispose()
    {
        CancelAll();
        (Contexts as IDisposable)?.Dispose();
    }

    internal static bool HasCapability(JsonElement? capabilities, params string[] path)
    {
        if (capabilities is not { ValueKind: JsonValueKind.Object } node)
        {
            return false;
        }

        foreach (var name in path)
        {
            if (node.ValueKind != JsonValueKind.Object || !node.TryGetProperty(name, out node))
            {
                return false;
            }
        }

        return node.ValueKind is not (JsonValueKind.False or JsonValueKind.Null or JsonValueKind.Undefined);
    }

    private static void CancelQuietly(CancellationTokenSource? cts)
    {
        try
        {
            cts?.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }
}

/// <summary>The cancellation scope of one document request; see <see cref="LspSession.BeginDocumentRequest"/>.</summary>
public sealed class SupersedingScope(LspSession session, string uri, CancellationTokenSource cts) : IDisposable
{
    public CancellationToken Token { get; } = cts.Token;

    public void Dispose() => session.EndDocumentRequest(uri, cts);
}
