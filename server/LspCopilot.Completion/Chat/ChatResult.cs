namespace LspCopilot.Completion.Chat;

/// <summary>The assistant's reply and how the prompt was laid out (<see cref="IChatEngine.ChatLayout"/>).</summary>
public sealed record ChatResult(string Text, StopReason Reason, CompletionStats Stats)
{
    /// <summary>The prompt layout used, as logs name it: e.g. "chat template (chatml)" or "plain".</summary>
    public string Layout { get; init; } = string.Empty;
}
