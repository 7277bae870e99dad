namespace LspCopilot.Completion;

/// <summary>One candidate suggestion after checking: its index among those sampled and the errors it adds.</summary>
public sealed record RankedCandidate(int Index, string Text, int AddedErrors, IReadOnlyList<string> Errors);

/// <summary>Candidates best first; <see cref="Dropped"/> counts those left out because they add errors while a clean one exists.</summary>
public sealed record CandidateRanking(IReadOnlyList<RankedCandidate> Ranked, int Dropped);

/// <summary>Orders candidate suggestions for a cursor, e.g. by the compile errors each would add.</summary>
public interface ICandidateRanker
{
    Task<CandidateRanking> RankAsync(DocumentSnapshot document, int offset, IReadOnlyList<string> candidates, CancellationToken cancellationToken);
}
