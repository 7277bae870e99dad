using LLama.Native;

namespace LspCopilot.Engine.Speculation;

/// <summary>
/// Prompt lookup: the tokens that followed the latest earlier occurrence of the last few tokens, in the prompt or in what
/// was generated so far. Code repeats itself (the line above, an identifier, the FIM suffix), so such a guess is often
/// right, and it costs no model.
/// </summary>
internal sealed class PromptLookupDrafter(int longestKey = 4, int shortestKey = 2) : IDraftSource
{
    public string Name => "lookup";

    public void Propose(IReadOnlyList<LLamaToken> history, LLamaToken next, int max, List<LLamaToken> drafts, CancellationToken ct)
    {
        var total = history.Count + 1;
        LLamaToken At(int i) => i == history.Count ? next : history[i];

        // The longest key first: a longer match is likelier to continue the same way.
        for (var n = Math.Min(longestKey, total - 1); n >= shortestKey; n--)
        {
            var keyStart = total - n;
            for (var end = total - 2; end >= n - 1; end--)
            {
                if (At(end) != next || !Matches(end - n + 1, keyStart, n))
                {
                    continue;
                }

                // Past the end of the text the guess goes on copying itself: a match a few tokens back means the text
                // repeats with that period, so the continuation is the same period again.
                for (var i = end + 1; drafts.Count < max; i++)
                {
                    drafts.Add(i < total ? At(i) : drafts[i - total]);
                }

                return;
            }
        }

        bool Matches(int start, int keyStart, int length)
        {
            for (var i = 0; i < length; i++)
            {
                if (At(start + i) != At(keyStart + i))
                {
                    return false;
                }
            }

            return true;
        }
    }

    public void Reset()
    {
    }
}
