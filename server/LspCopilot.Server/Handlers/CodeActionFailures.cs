using LspCopilot.Completion;
using LspCopilot.Completion.CodeActions;
using LspCopilot.Server.Protocol;
using LspCopilot.Server.Rpc;

namespace LspCopilot.Server.Handlers;

/// <summary>
/// How code actions and explanations end when they cannot answer: cancelled by the client -32800, by an edit
/// of the document -32801 (ask again), and everything the user should read — no model, a busy or crashed
/// engine, a reply with no code, no clean proposal — RequestFailed (-32803) with the reason. Nothing is applied.
/// </summary>
internal static class CodeActionFailures
{
    public static async Task<T> RunAsync<T>(RequestContext context, CancellationToken requestToken, Func<Task<T>> work)
    {
        var session = context.Session;
        try
        {
            // WaitAsync: a cancelled request is answered at once, whatever the engine under it does.
            return await work().WaitAsync(context.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.CancelledByEdit && !requestToken.IsCancellationRequested)
        {
            throw RpcErrors.ContentModified($"{context.Document.Uri} changed while the code action was computed; ask for it again.");
        }
        catch (OperationCanceledException)
        {
            throw RpcErrors.Cancelled();
        }
        catch (CodeActionException ex)
        {
            context.Log.Info($"Code action on {context.Document.Uri}: {ex.Message}");
            throw RpcErrors.RequestFailed(ex.Message);
        }
        catch (Exception ex) when (ex is EngineBusyException or PromptTooLongException)
        {
            throw RpcErrors.RequestFailed(ex.Message);
        }
        catch (EngineCrashedException ex)
        {
            session.ShowWorkerCrashOnce(ex);
            throw RpcErrors.RequestFailed(ex.Message);
        }
        catch (EngineStalledException ex)
        {
            context.Log.Error(ex.Message);
            throw RpcErrors.RequestFailed(ex.Message);
        }
        catch (ModelLoadException ex)
        {
            session.ShowModelErrorOnce(ex.Message);
            throw RpcErrors.RequestFailed(ex.Message);
        }
    }

    /// <summary>The loaded engine; RequestFailed saying what to fix when there is no usable model.</summary>
    public static async Task<ICompletionEngine> EngineAsync(RequestContext context)
    {
        var session = context.Session;
        var engine = await session.Model.EngineAsync.WaitAsync(context.Token).ConfigureAwait(false);
        if (engine is null)
        {
            var message = session.Model.Error ?? "No model is loaded.";
            session.ShowModelErrorOnce(message);
            throw RpcErrors.RequestFailed("LspCopilot has no model to ask: " + message);
        }

        return engine;
    }

    public static Exception NotOpen(string uri) =>
        RpcErrors.InvalidParams($"The document {uri} is not open: send textDocument/didOpen first.");

    public static Exception OutOfSync(string uri) =>
        RpcErrors.RequestFailed($"{uri} is out of sync with the editor (an edit could not be applied); code actions resume once the editor sends its full text (reopen the file).");

    /// <summary>The language code actions write fences in: csharp when the document is compiled as C#, else its language id.</summary>
    public static string LanguageOf(DocumentSnapshot document, ICodeActionAnalysis analysis) =>
        analysis.Compiles(document) ? "csharp" : document.LanguageId;
}
