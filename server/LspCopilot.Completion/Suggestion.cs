namespace LspCopilot.Completion;

/// <summary>A cleaned suggestion ready for the editor, with the engine's figures.</summary>
public sealed record Suggestion(string Text, CompletionResult Raw)
{
    /// <summary>Candidates generated for this suggestion (1 when only the greedy one ran).</summary>
    public int CandidatesSampled { get; init; } = 1;

    /// <summary>Candidates left out because they added compile errors while a clean one existed.</summary>
    public int CandidatesDropped { get; init; }

    /// <summary>Other suggestions for the same cursor, sampled after this one (for an editor to cycle); none unless asked for.</summary>
    public IReadOnlyList<string> Alternatives { get; init; } = [];
}
