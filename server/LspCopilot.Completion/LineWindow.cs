namespace LspCopilot.Completion;

/// <summary>
/// Cuts text to a token budget at line boundaries, for any way of counting (a model's tokenizer, a server's
/// characters-per-token ratio, the chars/4 estimate). The prefix window (<see cref="TailStart"/>) starts on a line
/// whose number is a multiple of <see cref="LineStep"/> — the earliest such line from which the rest fits — so typing
/// at the end moves it only when the text from there no longer fits, and then by a whole step; only when the last
/// step of lines alone is too long does it start on the earliest single line that fits. Counts are taken per step
/// of lines and summed (a step above the cursor is the same text on every keystroke, so a memoizing counter answers
/// at once), then the chosen window is counted whole and moved on while it is over (tokens merge across lines
/// rarely, but they may).
/// </summary>
public static class LineWindow
{
    public const int LineStep = 16;

    /// <summary>
    /// Where the longest tail of <paramref name="text"/> in whole lines that fits <paramref name="budget"/> begins
    /// (see the class); <c>text.Length</c> when not even the last line fits.
    /// </summary>
    /// <param name="maxCharsPerToken">A bound on the characters of one token: text this many times the budget longer cannot fit, so it is never counted.</param>
    public static int TailStart(string text, int budget, Func<string, int> count, int maxCharsPerToken)
    {
        if (text.Length == 0 || budget <= 0)
        {
            return text.Length;
        }

        var maxChars = (long)budget * maxCharsPerToken;
        var coarse = new List<int> { 0 };
        var line = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] != '\n' || ++line % LineStep != 0)
            {
                continue;
            }

            if (text.Length - (i + 1) >= maxChars)
            {
                coarse.Clear();
            }

            coarse.Add(i + 1);
        }

        if (Earliest(text, coarse, budget, count) is int start)
        {
            return start;
        }

        var fine = new List<int> { coarse[^1] };
        for (var i = coarse[^1]; i < text.Length; i++)
        {
            if (text[i] == '\n')
            {
                fine.Add(i + 1);
            }
        }

        return Earliest(text, fine, budget, count) ?? text.Length;
    }

    /// <summary>The earliest of <paramref name="starts"/> (ascending) from which the rest of the text fits; null if not even the last does.</summary>
    private static int? Earliest(string text, List<int> starts, int budget, Func<string, int> count)
    {
        var last = starts.Count - 1;
        var sum = count(text[starts[last]..]);
        if (sum > budget)
        {
            return null;
        }

        var best = last;
        for (var i = last - 1; i >= 0; i--)
        {
            sum += count(text[starts[i]..starts[i + 1]]);
            if (sum > budget)
            {
                break;
            }

            best = i;
        }

        while (best < last && count(text[starts[best]..]) > budget)
        {
            best++;
        }

        return starts[best];
    }

    /// <summary>
    /// Where the longest head of <paramref name="text"/> in whole lines that fits <paramref name="budget"/> ends (after
    /// its last line's <c>\n</c>, or at the end of the text); 0 when not even the first line fits.
    /// </summary>
    public static int HeadEnd(string text, int budget, Func<string, int> count, int maxCharsPerToken)
    {
        if (text.Length == 0 || budget <= 0)
        {
            return 0;
        }

        var maxChars = (long)budget * maxCharsPerToken;
        var ends = new List<int>();
        var line = 0;
        for (var i = 0; i < text.Length && i < maxChars; i++)
        {
            if (text[i] == '\n' && ++line % LineStep == 0)
            {
                ends.Add(i + 1);
            }
        }

        if (text.Length <= maxChars && (ends.Count == 0 || ends[^1] != text.Length))
        {
            ends.Add(text.Length);
        }

        var coarse = Furthest(text, 0, ends, budget, count);
        var fine = new List<int>();
        var until = ends.FirstOrDefault(e => e > coarse, Math.Min(text.Length, (int)Math.Min(maxChars, int.MaxValue)));
        for (var i = coarse; i < until; i++)
        {
            if (text[i] == '\n')
            {
                fine.Add(i + 1);
            }
        }

        if (until == text.Length && (fine.Count == 0 || fine[^1] != text.Length))
        {
            fine.Add(text.Length);
        }

        return Furthest(text, coarse, fine, budget, count);
    }

    /// <summary>The furthest of <paramref name="ends"/> (ascending, after <paramref name="from"/>) up to which the text fits, counting from <paramref name="from"/> on; <paramref name="from"/> if none.</summary>
    private static int Furthest(string text, int from, List<int> ends, int budget, Func<string, int> count)
    {
        var sum = from == 0 ? 0 : count(text[..from]);
        var best = -1;
        var previous = from;
        for (var i = 0; i < ends.Count; i++)
        {
            sum += count(text[previous..ends[i]]);
            if (sum > budget)
            {
                break;
            }

            best = i;
            previous = ends[i];
        }

        while (best >= 0 && count(text[..ends[best]]) > budget)
        {
            best--;
        }

        return best >= 0 ? ends[best] : from;
    }
}
