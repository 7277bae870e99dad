namespace LspCopilot.Completion.Languages;

/// <summary>
/// Stops a suggestion before it closes more brackets than it opens (counted in code, not in strings and
/// comments): on the cursor's line it may close what that line opened before the cursor and the rest of the line
/// does not close already; on its own later lines it never closes more than it opened — the document's own
/// closing lines follow the cursor. A multi-line suggestion also stops at the end of the line where the brackets
/// it opened are all closed again (a block, a call, an object written whole).
/// </summary>
public sealed class BracketBalanceStopper : ICompletionStopper
{
    private readonly LanguageRule _rule;
    private readonly LexState _start;
    private readonly int _firstLineFloor;
    private readonly CompletionMode _mode;

    private BracketBalanceStopper(LanguageRule rule, LexState start, int firstLineFloor, CompletionMode mode)
    {
        _rule = rule;
        _start = start;
        _firstLineFloor = firstLineFloor;
        _mode = mode;
    }

    /// <summary>A stopper for a cursor after <paramref name="lineBefore"/> and before <paramref name="restOfLine"/> on its line.</summary>
    public static BracketBalanceStopper Create(LanguageRule rule, string lineBefore, string restOfLine, CompletionMode mode)
    {
        var state = default(LexState);
        var open = 0;
        for (var i = 0; i < lineBefore.Length; i++)
        {
            if (CodeLexer.Step(ref state, rule, lineBefore, i))
            {
                open = CodeLexer.IsOpener(lineBefore[i]) ? open + 1 : CodeLexer.IsCloser(lineBefore[i]) ? Math.Max(0, open - 1) : open;
            }
        }

        // What the rest of the line closes (an auto-closed ")") the suggestion must not close again.
        var rest = state;
        var closedAfter = 0;
        var depth = 0;
        for (var i = 0; i < restOfLine.Length; i++)
        {
            if (CodeLexer.Step(ref rest, rule, restOfLine, i))
            {
                if (CodeLexer.IsOpener(restOfLine[i]))
                {
                    depth++;
                }
                else if (CodeLexer.IsCloser(restOfLine[i]) && --depth < 0)
                {
                    closedAfter++;
                    depth = 0;
                }
            }
        }

        return new BracketBalanceStopper(rule, state, -Math.Max(0, open - closedAfter), mode);
    }

    public int? FindStop(string generated)
    {
        var state = _start;
        var depth = 0;
        var floor = _firstLineFloor;
        var openedAtLineEnd = false;
        for (var i = 0; i < generated.Length; i++)
        {
            var c = generated[i];
            var code = CodeLexer.Step(ref state, _rule, generated, i);
            if (c == '\n')
            {
                if (_mode == CompletionMode.MultiLine && openedAtLineEnd && depth <= 0 && HasCode(generated, i))
                {
                    return TrimmedEnd(generated, i);
                }

                openedAtLineEnd |= depth > 0;
                // Later lines may close only what the suggestion opened (and, at most, what the first line left open).
                floor = Math.Min(0, Math.Max(floor, depth < 0 ? depth : 0));
                continue;
            }

            if (!code)
            {
                continue;
            }

            if (CodeLexer.IsOpener(c))
            {
                depth++;
            }
            else if (CodeLexer.IsCloser(c) && --depth < floor)
            {
                return TrimmedEnd(generated, i);
            }
        }

        return null;
    }

    /// <summary>The end of <c>text[..end]</c> without trailing whitespace (blank lines included).</summary>
    internal static int TrimmedEnd(string text, int end)
    {
        while (end > 0 && char.IsWhiteSpace(text[end - 1]))
        {
            end--;
        }

        return end;
    }

    private static bool HasCode(string text, int end) => text.AsSpan(0, end).Trim().Length > 0;
}
