using System.Diagnostics;
using System.Text.Json;
using LspCopilot.Completion.Chat;
using LspCopilot.Completion.CodeActions;
using LspCopilot.Server.Documents;
using LspCopilot.Server.Protocol;
using LspCopilot.Server.Rpc;

namespace LspCopilot.Server.Handlers;

/// <summary>
/// One turn of an explanation, shared by lspcopilot/explain and the <c>lspcopilot.server.explain</c> command: a
/// first turn explains the code at the range (an empty range: the member around it) with Roslyn's context for
/// C#, and starts a conversation; a follow-up (a known <c>conversationId</c> and a question) continues it. The
/// Markdown streams as $/progress when the request has a partial result token. An edit of the document does not
/// stop an explanation (it is about the text as it was asked).
/// </summary>
internal static class Explanations
{
    /// <summary>
    /// Partial results are sent at most this often (the first at once): about 16 updates a second read as smooth
    /// streaming, and every notification wakes threads (ours, the transport's, the editor's) that take the cores
    /// from llama.cpp's spinning threads while a token decodes.
    /// </summary>
    private static readonly TimeSpan s_progressInterval = TimeSpan.FromMilliseconds(60);

    /// <summary>Longest question accepted, in characters.</summary>
    public const int MaxQuestionChars = 8000;

    public static async Task<ExplainResult> RunAsync(LspSession session, ExplainParams request, CancellationToken cancellationToken)
    {
        session.Lifecycle.EnsureRunning();
        if (request.TextDocument?.Uri is not { Length: > 0 } uri)
        {
            throw RpcErrors.InvalidParams("textDocument.uri is required.");
        }

        if (request.Question is { Length: > MaxQuestionChars })
        {
            throw RpcErrors.InvalidParams($"question is {request.Question.Length} characters long; at most {MaxQuestionChars} are accepted.");
        }

        var conversation = request.ConversationId is { } id
            ? session.Conversations.Find(id) ?? throw RpcErrors.InvalidParams($"Unknown conversationId \"{id}\" (it ended, or belongs to another connection): ask again without conversationId to start a new conversation.")
            : null;
        if (conversation is not null && string.IsNullOrWhiteSpace(request.Question))
        {
            throw RpcErrors.InvalidParams("A follow-up (with conversationId) needs a question.");
        }

        if (conversation is null && request.Range is null)
        {
            throw RpcErrors.InvalidParams("range is required: the code to explain (an empty range at the cursor for the member around it).");
        }

        using var context = session.BeginSideRequest(uri, cancellationToken, cancelOnEdit: false) ?? throw CodeActionFailures.NotOpen(uri);
        var document = context.Document;
        var started = false;
        try
        {
            return await CodeActionFailures.RunAsync(context, cancellationToken, async () =>
            {
                IReadOnlyList<ChatMessage> asked;
                if (conversation is null)
                {
                    if (document.Divergent)
                    {
                        throw CodeActionFailures.OutOfSync(uri);
                    }

                    if (!Conversions.TryToSpan(document.Text, request.Range!, out var selection, out var error))
                    {
                        throw RpcErrors.InvalidParams(error!);
                    }

                    var analysis = session.CodeActions;
                    var target = await analysis.TargetAsync(document, selection, context.Token).ConfigureAwait(false)
                        ?? throw RpcErrors.InvalidParams("There is no code at the cursor to explain: select the code (or put the cursor inside a member).");
                    var prompt = await analysis.ContextAsync(document, target, context.Token).ConfigureAwait(false);
                    var language = CodeActionFailures.LanguageOf(document, analysis);
                    asked = CodeActionPrompts.Explain(new CodeActionSubject(document, target, language, prompt), request.Question);
                    conversation = session.Conversations.Start(uri, language);
                    started = true;
                }
                else
                {
                    asked = [new ChatMessage(ChatMessage.User, request.Question!.Trim())];
                }

                await conversation.TurnLock.WaitAsync(context.Token).ConfigureAwait(false);
                try
                {
                    var engine = await CodeActionFailures.EngineAsync(context).ConfigureAwait(false);
                    var progress = request.PartialResultToken is { ValueKind: JsonValueKind.String or JsonValueKind.Number } token
                        ? new PartialResultSender(session, token, conversation.Id)
                        : null;
                    var runner = new ExplainRunner(engine, context.Log);
                    var outcome = await runner.RunAsync(conversation, asked, context.Client.Generation, document.Session, progress is null ? null : progress.OnMarkdown, context.Token, context.Client.ExplainMaxTokens).ConfigureAwait(false);
                    if (progress is not null)
                    {
                        await progress.FlushAsync().ConfigureAwait(false);
                    }

                    return new ExplainResult(outcome.Markdown, conversation.Id) { Reasoning = outcome.Reasoning, Layout = outcome.Layout };
                }
                finally
                {
                    conversation.TurnLock.Release();
                }
            }).ConfigureAwait(false);
        }
        catch when (started && conversation is { IsEmpty: true })
        {
            // A first turn that failed leaves no conversation behind.
            session.Conversations.End(conversation.Id);
            throw;
        }
    }

    /// <summary>Sends the Markdown so far as $/progress ({markdown, conversationId}), throttled, ordered before the response.</summary>
    private sealed class PartialResultSender(LspSession session, JsonElement token, string conversationId)
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly object _lock = new();
        private TimeSpan? _lastSent;
        private string _lastText = string.Empty;
        private Task _last = Task.CompletedTask;

        public void OnMarkdown(string markdown)
        {
            lock (_lock)
            {
                var now = _clock.Elapsed;
                if (markdown.Length == 0 || markdown == _lastText || now - _lastSent < s_progressInterval)
                {
                    return;
                }

                _lastSent = now;
                _lastText = markdown;
                _last = session.Notify(LspMethods.Progress, new ProgressParams<ExplainResult>(token, new ExplainResult(markdown, conversationId)));
            }
        }

        public Task FlushAsync()
        {
            lock (_lock)
            {
                return _last;
            }
        }
    }
}
