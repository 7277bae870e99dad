using LspCopilot.Completion.Chat;

namespace LspCopilot.Engine.Chat;

/// <summary>How a conversation is written out for the model: the text of the messages, ending where the assistant's turn begins.</summary>
internal abstract class ChatFormat
{
    /// <summary>The layout as logs and <see cref="IChatEngine.ChatLayout"/> name it: "chat template (chatml)", "plain".</summary>
    public abstract string Layout { get; }

    /// <summary>The messages, then the start of the assistant's turn.</summary>
    public abstract string Render(IReadOnlyList<ChatMessage> messages);

    /// <summary>
    /// Where the reply ends when the model writes on past its turn in text rather than with an end-of-turn token (the
    /// next turn's header); the reply is cut before it.
    /// </summary>
    public virtual int? FindEnd(string reply) => null;
}
