namespace LspCopilot.Completion;

public enum CompletionMode
{
    /// <summary>Stop at the end of the current line.</summary>
    SingleLine,

    /// <summary>May write several lines (a statement, a block, a member).</summary>
    MultiLine,
}
