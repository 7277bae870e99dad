namespace LspCopilot.Completion.Chat;

/// <summary>One turn of a conversation with an instruction-tuned model.</summary>
public sealed record ChatMessage(string Role, string Content)
{
    public const string System = "system";
    public const string User = "user";
    public const string Assistant = "assistant";
}
