namespace LspCopilot.Completion.Chat;

/// <summary>
/// The second operation of an engine, next to FIM completion: generate from a conversation (messages in, streamed
/// text out). Implemented by the engines that host an instruction-following model — in process, behind the
/// scheduler (where completions keep priority: a long reply never delays ghost text by more than one prefill
/// chunk), and through a worker. Code actions use it; a model without a chat layout refactors through FIM.
/// </summary>
public interface IChatEngine
{
    /// <summary>How this model's chats are laid out: "chat template (NAME)", "plain", or null when it cannot chat.</summary>
    string? ChatLayout { get; }

    /// <summary>
    /// Generates the assistant's next turn. <paramref name="onText"/> receives the text so far (as completions'
    /// does); cancellation stops it between prefill chunks and at the next token.
    /// </summary>
    Task<ChatResult> ChatAsync(ChatRequest request, Action<string>? onText, CancellationToken cancellationToken);

    /// <summary>Forgets a conversation's kept cache (the user closed it); unknown ids are ignored.</summary>
    Task EndConversationAsync(string conversationId, CancellationToken cancellationToken);
}
