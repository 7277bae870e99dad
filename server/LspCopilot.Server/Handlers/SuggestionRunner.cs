using LspCopilot.Completion;
using LspCopilot.Server.Documents;
using LspCopilot.Server.Protocol;
using LspCopilot.Server.Rpc;

namespace LspCopilot.Server.Handlers;

/// <summary>A suggestion computed for a request, with where it applies.</summary>
internal sealed record SuggestionAt(DocumentSnapshot Document, Position Position, Suggestion? Suggestion);

/// <summary>
/// The steps shared by inline and classic completion: check the lifecycle and parameters, get the
/// request's context from the queue (its snapshot; it supersedes older requests for the document),
/// wait for a pause in typing when the client asked the server to (initializationOptions.suggestions.debounceMs)
/// and the engine is slower than the typing, wait for the model, run the pipeline, and turn cancellation into
/// -32800 (or -32801 when an edit of the document cancelled it).
/// </summary>
internal static class SuggestionRunner
{
    public static Task<SuggestionAt?> RunAsync(LspSession session, TextDocumentIdentifier? textDocument, Position? position, Action<string>? onText, CancellationToken cancellationToken) =>
        RunAsync(session, textDocument, position, onText, null, cancellationToken);

    /// <summary>As above; <paramref name="alternatives"/> asks for more suggestions after the first (inline completion).</summary>
    public static async Task<SuggestionAt?> RunAsync(LspSession session, TextDocumentIdentifier? textDocument, Position? position, Action<string>? onText, AlternativeRequest? alternatives, CancellationToken cancellationToken)
    {
        var arrived = System.Diagnostics.Stopwatch.GetTimestamp();
        session.Lifecycle.EnsureRunning();
        if (textDocument?.Uri is not { Length: > 0 } uri)
        {
            throw RpcErrors.InvalidParams("textDocument.uri is required.");
        }

        if (position is null)
        {
            throw RpcErrors.InvalidParams("position is required.");
        }

        using var context = session.BeginRequest(uri, cancellationToken)
            ?? throw RpcErrors.InvalidParams($"The document {uri} is not open: send textDocument/didOpen first.");
        var document = context.Document;
        LatencyTrace.MarkCurrent(LatencyTrace.Stages.Snapshot);

        // Before the position is read: a divergent document's text (none, when it was refused) is not the editor's.
        if (document.Divergent)
        {
            context.Log.Debug($"No completion for {uri}: its text is out of sync until the editor resends it.");
            return new SuggestionAt(document, position, null);
        }

        if (!Conversions.TryToOffset(document.Text, position, out var offset, out var error))
        {
            throw RpcErrors.InvalidParams(error!);
        }

        session.Debounce.OnRequest(arrived);
        try
        {
            // An edit, or the client's cancel, ends the wait: the next keystroke's request starts no work for this one.
            var lineBefore = LineBefore(document, offset);
            if (context.Client.MaxDebounce > TimeSpan.Zero && !session.Debounce.IsTypingThrough(uri, lineBefore) && session.Debounce.Delay(context.Client.MaxDebounce) is { Ticks: > 0 } pause)
            {
                await Task.Delay(pause, context.Token).ConfigureAwait(false);
            }

            var engine = await session.Model.EngineAsync.WaitAsync(context.Token).ConfigureAwait(false);
            if (engine is null)
            {
                session.ShowModelErrorOnce(session.Model.Error ?? "No model is loaded.");
                return new SuggestionAt(document, position, null);
            }

            var pipeline = new CompletionPipeline(engine, session.Contexts, context.Client.Generation, context.Log) { Mode = context.Client.SuggestionMode };
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            Suggestion? suggestion;
            try
            {
                // WaitAsync: a cancelled request is answered at once, whatever the engine under it does.
                suggestion = await pipeline.CompleteAsync(document, offset, onText, alternatives, context.Token).WaitAsync(context.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Work the user never saw: the debounce learns that the engine is not keeping up.
                session.Debounce.OnCancelled(System.Diagnostics.Stopwatch.GetElapsedTime(started));
                throw;
            }

            if (suggestion is { Raw.Reason: not StopReason.Cached })
            {
                session.Debounce.OnAnswered(System.Diagnostics.Stopwatch.GetElapsedTime(started));
            }

            if (context.Client.MaxDebounce > TimeSpan.Zero)
            {
                // Typing on through this suggestion comes from the result cache: no wait for it.
                session.Debounce.RememberAnswer(uri, lineBefore, suggestion?.Text ?? string.Empty);
            }

            session.ReportStatus(ServerStates.Ready, engine.ModelName);
            return new SuggestionAt(document, Conversions.ToPosition(document.Text, offset), suggestion);
        }
        catch (OperationCanceledException) when (context.CancelledByEdit && !cancellationToken.IsCancellationRequested)
        {
            throw RpcErrors.ContentModified($"{uri} changed while the suggestion was computed; the editor asks again at the new position.");
        }
        catch (OperationCanceledException)
        {
            throw RpcErrors.Cancelled();
        }
        catch (EngineBusyException ex)
        {
            context.Log.Debug(ex.Message);
            return new SuggestionAt(document, position, null);
        }
        catch (EngineCrashedException ex)
        {
            // The model's process died under this request: one message per crash, RequestFailed with the reason.
            session.ShowWorkerCrashOnce(ex);
            throw RpcErrors.RequestFailed(ex.Message);
        }
        catch (EngineStalledException ex)
        {
            // The engine in this process (or the worker's own watchdog) gave up on a request that made no progress.
            context.Log.Error(ex.Message);
            throw RpcErrors.RequestFailed(ex.Message);
        }
        catch (ModelLoadException ex)
        {
            // A restarted worker can no longer load the model (e.g. the file was removed).
            session.ShowModelErrorOnce(ex.Message);
            return new SuggestionAt(document, position, null);
        }
    }

    private static string LineBefore(DocumentSnapshot document, int offset)
    {
        var line = document.Text.Lines.GetLineFromPosition(offset);
        return document.Text.ToString(Microsoft.CodeAnalysis.Text.TextSpan.FromBounds(line.Start, offset));
    }
}
