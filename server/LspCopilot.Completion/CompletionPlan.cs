namespace LspCopilot.Completion;

/// <summary>
/// What to ask the model at a cursor: the mode, extra context, when to stop, how to clean the text and
/// how to rank candidates. A language without a parser leaves the last three null and gets the
/// text rules.
/// </summary>
public sealed record CompletionPlan(CompletionMode Mode)
{
    /// <summary>Rendered context placed before the prefix window (null: the surrounding text only).</summary>
    public string? Context { get; init; }

    public ICompletionStopper? Stopper { get; init; }

    /// <summary>A language-aware cleaner; null: <see cref="SuggestionPostProcessor.Clean"/>.</summary>
    public ISuggestionCleaner? Cleaner { get; init; }

    /// <summary>Checks candidates (e.g. by the compile errors they add); null: the greedy suggestion is the answer.</summary>
    public ICandidateRanker? Ranker { get; init; }
}
