using System.Diagnostics;
using LspCopilot.Completion.Chat;

namespace LspCopilot.Completion.CodeActions;

/// <summary>An explanation: the Markdown shown (thinking folded out), the thinking, and the layout that produced it.</summary>
public sealed record ExplainOutcome(string Markdown, string? Reasoning, string Layout, CompletionStats Stats);

/// <summary>
/// Runs one turn of an explanation conversation. Through the engine's chat when it has one, passing the
/// conversation's id so the engine keeps its cache between turns; else through fill-in-the-middle with the
/// whole conversation as a plain prompt. The text streams to <c>onMarkdown</c> with thinking removed; the turn
/// joins the conversation only when it completes.
/// </summary>
public sealed class ExplainRunner(ICompletionEngine engine, ServerLog log)
{
    /// <summary>Most tokens of an explanation, unless the session asks for more.</summary>
    public const int DefaultMaxTokens = 768;

    /// <param name="maxTokens">Most tokens of the explanation; null: <see cref="DefaultMaxTokens"/>, or the session's limit when larger.</param>
    public async Task<ExplainOutcome> RunAsync(Conversation conversation, IReadOnlyList<ChatMessage> asked, GenerationOptions generation, string? clientId, Action<string>? onMarkdown, CancellationToken cancellationToken, int? maxTokens = null)
    {
        var messages = new List<ChatMessage>(conversation.Messages);
        messages.AddRange(asked);
        var options = generation with { MaxTokens = maxTokens ?? Math.Max(generation.MaxTokens, DefaultMaxTokens) };
        var chat = ChatEngines.ChatOf(engine);
        var clock = Stopwatch.StartNew();
        string raw;
        string layout;
        CompletionStats stats;
        if (chat is not null)
        {
            var request = new ChatRequest(messages) { ConversationId = conversation.Id, ClientId = clientId, Generation = options };
            var reply = await chat.ChatAsync(request, onMarkdown is null ? null : text => onMarkdown(ReasoningText.Answer(text)), cancellationToken).ConfigureAwait(false);
            raw = reply.Text;
            layout = reply.Layout.Length > 0 ? reply.Layout : chat.ChatLayout!;
            stats = reply.Stats;
        }
        else
        {
            var request = CodeActionPrompts.ExplainFim(messages, options, clientId);
            var result = await engine.CompleteAsync(request, onMarkdown is null ? null : text => onMarkdown(CodeActionPrompts.TrimFimExplanation(ReasoningText.Answer(text))), cancellationToken).ConfigureAwait(false);
            raw = result.Text;
            layout = ChatEngines.FimExplainLayout;
            stats = result.Stats;
        }

        var (answer, reasoning) = ReasoningText.Split(raw);
        var markdown = chat is null ? CodeActionPrompts.TrimFimExplanation(answer) : answer.Trim();
        log.Info($"Explanation for {conversation.Uri} (conversation {conversation.Id}, turn {messages.Count(m => m.Role == ChatMessage.User)}) through {layout}: {stats.PromptTokens} prompt tokens ({stats.ReusedTokens} reused), {stats.GeneratedTokens} generated in {clock.ElapsedMilliseconds} ms.");
        if (markdown.Length == 0)
        {
            throw new CodeActionException(reasoning is null
                ? "The model's explanation was empty."
                : "The model's reply was all reasoning, with no explanation after it.");
        }

        conversation.Append(asked, markdown);
        return new ExplainOutcome(markdown, reasoning, layout, stats);
    }
}
