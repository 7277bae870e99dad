namespace LspCopilot.Completion;

/// <summary>Decides, as text streams in, where a suggestion is complete (e.g. a statement closed).</summary>
public interface ICompletionStopper
{
    /// <summary>Returns the length of <paramref name="generated"/> to keep when the suggestion is complete, else null.</summary>
    int? FindStop(string generated);
}
