namespace LspCopilot.Completion;

/// <summary>
/// A language-aware replacement for <see cref="SuggestionPostProcessor.Clean"/>, offered by a plan
/// stopper: it knows which repeated lines are real repetition and which are brackets closing code the
/// suggestion opened.
/// </summary>
public interface ISuggestionCleaner
{
    string Clean(string generated, string suffix, CompletionMode mode);
}
