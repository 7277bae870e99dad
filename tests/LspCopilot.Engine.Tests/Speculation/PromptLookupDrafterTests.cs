using LLama.Native;
using LspCopilot.Engine.Speculation;

namespace LspCopilot.Engine.Tests.Speculation;

public sealed class PromptLookupDrafterTests
{
    private static List<LLamaToken> Propose(int[] history, int next, int max)
    {
        var drafts = new List<LLamaToken>();
        new PromptLookupDrafter().Propose([.. history.Select(t => (LLamaToken)t)], (LLamaToken)next, max, drafts, CancellationToken.None);
        return drafts;
    }

    [Fact]
    public void Propose_KeySeenBefore_DraftsWhatFollowedItsLatestOccurrence()
    {
        var drafts = Propose([7, 1, 2, 3, 9, 1, 2, 4, 5, 6, 8, 1], 2, max: 3);

        Assert.Equal([4, 5, 6], drafts.Select(t => (int)t));
    }

    [Fact]
    public void Propose_KeyNeverSeen_DraftsNothing()
    {
        var drafts = Propose([1, 2, 3, 4, 5, 6], 9, max: 8);

        Assert.Empty(drafts);
    }

    [Fact]
    public void Propose_LongerKeyMatches_PreferredOverALaterShorterOne()
    {
        // "5 1 2" occurs once, followed by 3; "1 2" occurs later, followed by 8.
        var drafts = Propose([5, 1, 2, 3, 0, 1, 2, 8, 0, 5, 1], 2, max: 1);

        Assert.Equal([3], drafts.Select(t => (int)t));
    }

    [Fact]
    public void Propose_MatchRunsIntoTheEnd_GoesOnRepeatingItsPeriod()
    {
        // The text repeats "1 2 3": what follows the latest match is the end of the text, then the same period again.
        var drafts = Propose([1, 2, 3, 1, 2, 3, 1, 2], 3, max: 7);

        Assert.Equal([1, 2, 3, 1, 2, 3, 1], drafts.Select(t => (int)t));
    }
}
