namespace LspCopilot.Completion;

public enum StopReason
{
    /// <summary>Answered from the result cache (a repeat, or typing through a shown suggestion).</summary>
    Cached,

    EndOfGeneration,
    EndOfLine,
    TokenLimit,
    Stopper,
    ContextFull,
}
