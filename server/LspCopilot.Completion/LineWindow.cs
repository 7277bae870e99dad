namespace LspCopilot.Completion;

/// <summary>
/// Cuts text to a token budget at line boundaries, for any way of counting (a model's tokenizer, a server's
/// characters-per-token ratio, the chars/4 estimate). The prefix window (<see cref="TailStart"/>) starts on a line
/// chosen so that typing at the end moves it only when the text from there no longer fits, and then by a step: the
/// earliest from which the rest fits among the lines whose number is a multiple of <see cref="LineStep"/> and, inside
/// the step of lines just above the first of those that fits, the lines where the tokens counted from that step's first
/// line pass a multiple of a token step (so a long step of lines does not leave the budget half used). Counts are taken
/// per step of lines (or per line inside one) and summed — text above the cursor is the same on every keystroke, so a
/// memoizing counter answers at once — then the chosen window is counted whole and moved on while it is over (tokens
/// merge across lines rarely, but they may).
/// </summary>
public static class LineWindow
{
    public const int LineStep = 16;

    /// <summary>
    /// Where the tail of <paramref name="text"/> that fits <paramref name="budget"/> begins, at a line start chosen as the
    /// class says; <c>text.Length</c> when not even the last line fits.
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
            // An empty last line is no step of lines: it would always fit and hide the lines above from the fine search.
            if (text[i] != '\n' || ++line % LineStep != 0 || i + 1 == text.Length)
            {
                continue;
            }

            if (text.Length - (i + 1) >= maxChars)
            {
                coarse.Clear();
            }

            coarse.Add(i + 1);
        }

        var index = Earliest(text, coarse, budget, count);
        return index == 0 ? coarse[0] : Refine(text, coarse[index - 1], index < coarse.Count ? coarse[index] : text.Length, budget, count);
    }

    /// <summary>
    /// The earliest start in (<paramref name="from"/>, <paramref name="until"/>] from which the text fits, among the line
    /// starts where the tokens counted from <paramref name="from"/> pass a multiple of a step (an eighth of the budget, at
    /// most 128 tokens), then <paramref name="until"/> (or, at the end of the text, the last line). The candidates depend
    /// only on the lines from <paramref name="from"/> on, so the start still moves only when the text from it no longer
    /// fits, and then by about a step; <c>text.Length</c> when not even the last line fits.
    /// </summary>
    private static int Refine(string text, int from, int until, int budget, Func<string, int> count)
    {
        var starts = new List<int>();
        var counts = new List<int>();
        for (var at = from; at < until;)
        {
            var newline = text.IndexOf('\n', at, until - at);
            var end = newline < 0 ? until : newline + 1;
            starts.Add(at);
            counts.Add(count(text[at..end]));
            at = end;
        }

        var step = Math.Clamp(budget / 8, 8, 128);
        var candidates = new List<int>();
        var tokens = 0;
        var next = step;
        for (var i = 0; i + 1 < starts.Count; i++)
        {
            tokens += counts[i];
            if (tokens >= next)
            {
                candidates.Add(i + 1);
                next = ((tokens / step) + 1) * step;
            }
        }

        var atEnd = until == text.Length;
        if (atEnd && starts.Count > 0 && (candidates.Count == 0 || candidates[^1] != starts.Count - 1))
        {
            candidates.Add(starts.Count - 1);
        }

        var after = atEnd ? 0 : count(text[until..]);
        foreach (var candidate in candidates)
        {
            var estimate = after;
            for (var i = candidate; i < counts.Count; i++)
            {
                estimate += counts[i];
            }

            if (estimate <= budget && count(text[starts[candidate]..]) <= budget)
            {
                return starts[candidate];
            }
        }

        return until;
    }

    /// <summary>The index of the earliest of <paramref name="starts"/> (ascending) from which the rest of the text fits; <c>starts.Count</c> if not even the last does.</summary>
    private static int Earliest(string text, List<int> starts, int budget, Func<string, int> count)
    {
        var last = starts.Count - 1;
        var sum = count(text[starts[last]..]);
        if (sum > budget)
        {
            return starts.Count;
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

        return best;
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
