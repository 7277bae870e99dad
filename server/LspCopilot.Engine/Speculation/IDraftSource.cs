using LLama.Native;

namespace LspCopilot.Engine.Speculation;

/// <summary>Guesses the tokens that follow, for the target model to verify in one batch (speculative decoding).</summary>
internal interface IDraftSource
{
    /// <summary>What the figures call it: "lookup" or "draft model".</summary>
    string Name { get; }

    /// <summary>
    /// Adds to <paramref name="drafts"/> at most <paramref name="max"/> tokens that probably follow <paramref name="history"/>
    /// (the tokens in the target's KV cache) and then <paramref name="next"/> (the token just chosen); none when it has no guess.
    /// </summary>
    void Propose(IReadOnlyList<LLamaToken> history, LLamaToken next, int max, List<LLamaToken> drafts, CancellationToken ct);

    /// <summary>Forgets any state kept in step with the target (after a failed decode).</summary>
    void Reset();
}
