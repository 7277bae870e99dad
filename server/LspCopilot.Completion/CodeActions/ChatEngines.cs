using LspCopilot.Completion.Chat;

namespace LspCopilot.Completion.CodeActions;

/// <summary>Which layout a code action's prompt takes: the engine's chat when it has one, else fill-in-the-middle.</summary>
public static class ChatEngines
{
    public const string FimRefactorLayout = "fill-in-the-middle (the text before and after the span)";
    public const string FimExplainLayout = "fill-in-the-middle (a plain prompt, prefix only)";

    /// <summary>The chat layout engines fall back to for a model without a chat template.</summary>
    public const string PlainLayout = "plain";

    /// <summary>The engine's chat, or null when it cannot chat (not an <see cref="IChatEngine"/>, or no chat layout for its model).</summary>
    public static IChatEngine? ChatOf(ICompletionEngine engine) => engine is IChatEngine { ChatLayout: not null } chat ? chat : null;

    /// <summary>
    /// The chat a refactor uses: none (fill-in-the-middle) for a FIM model without a chat template — a base code model
    /// rewrites a span far better between its prefix and suffix than after a plain instruction it was never tuned on.
    /// </summary>
    public static IChatEngine? RefactorChatOf(ICompletionEngine engine) =>
        ChatOf(engine) is { } chat && !(engine.Fim.HasFim && chat.ChatLayout == PlainLayout) ? chat : null;
}
