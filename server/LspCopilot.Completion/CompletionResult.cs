namespace LspCopilot.Completion;

public sealed record CompletionResult(string Text, StopReason Reason, CompletionStats Stats);
