namespace LspCopilot.Completion.Chat;

/// <summary>
/// Generate the next assistant turn after <see cref="Messages"/> (an explanation, a proposed refactor). Turns of
/// one conversation share a <see cref="ConversationId"/>: the engine keeps that conversation's KV cache between
/// them (completions may run in between), so a follow-up decodes only its new turn.
/// </summary>
public sealed record ChatRequest(IReadOnlyList<ChatMessage> Messages)
{
    public GenerationOptions Generation { get; init; } = new();

    /// <summary>Turns of one conversation share this id; null: a one-off request whose cache is not kept.</summary>
    public string? ConversationId { get; init; }

    /// <summary>Who asked (one LSP session); the scheduler takes turns between clients.</summary>
    public string? ClientId { get; init; }
}
