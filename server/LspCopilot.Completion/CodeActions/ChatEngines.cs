using LspCopilot.Completion.Chat;

namespace LspCopilot.Completion.CodeActions;

/// <summary>Which layout a code action's prompt takes: the engine's chat when it has one, else fill-in-the-middle.</summary>
public static class ChatEngines
{
    public const string FimRefactorLayout = "fill-in-the-middle (the text before and after the span)";
    public const string FimExplainLayout = "fill-in-the-middle (a plain prompt, prefix only)";

    /// <summary>The engine's chat, or null when it cannot chat (not an <see cref="IChatEngine"/>, or no chat layout for its model).</summary>
    public static IChatEngine? ChatOf(ICompletionEngine engine) => engine is IChatEngine { ChatLayout: not null } chat ? chat : null;
}
