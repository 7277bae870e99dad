namespace LspCopilot.Engine.Speculation;

/// <summary>The draft sources an engine's options ask for (<c>--speculation</c>), most capable first.</summary>
internal static class Speculators
{
    /// <summary>
    /// Null when speculation is off (or nothing can draft). <paramref name="verifyTile"/>: the rows of a verification batch
    /// that the engine decodes much faster than fewer (0: none). With one, prompt lookup always guesses enough to fill it:
    /// its guesses cost nothing to make, the step costs the same with fewer, and fewer rows of a batch cost several
    /// times more per row.
    /// </summary>
    public static Speculator? For(string mode, DraftModelDrafter? draft, int verifyTile = 0)
    {
        var sources = new List<(IDraftSource, DraftGovernor)>();
        if (draft is not null && mode is "auto" or "draft")
        {
            sources.Add((draft, new DraftGovernor()));
        }

        if (mode is "auto" or "lookup")
        {
            // Filling a tile: always its rows less the token itself, and only from 4-token keys (a wrong guess costs a tile).
            var lookup = verifyTile > 1
                ? (new PromptLookupDrafter(shortestKey: 4), new DraftGovernor(verifyTile - 1, verifyTile - 1, verifyTile - 1))
                : (new PromptLookupDrafter(), new DraftGovernor());
            sources.Add(lookup);
        }

        return sources.Count == 0 ? null : new Speculator(sources);
    }
}
