namespace LspCopilot.Completion.Languages;

/// <summary>
/// Stops a suggestion before it closes more brackets than it opens (counted in code, not in strings and comments),
/// unless the document leaves brackets open: it may close as many of those opened before the cursor as the text after
/// the cursor does not close already (an auto-closed <c>)</c> right of the cursor is not closed twice; the document's
/// own closing lines follow a blank line inside a block). A multi-line suggestion also stops at the end of a line that
/// closes a block back to the cursor's level (a block, a call, an object written whole).
/// </summary>
public sealed class BracketBalanceStopper : ICompletionStopper
{
    /// <summary>Characters before and after the cursor whose brackets are counted (the keystroke path stays cheap).</summary>
    public const int Window = 8192;

    private readonly LanguageRule _rule;
    private readonly LexState _start;
    private readonly int _floor;
    private readonly CompletionMode _mode;

    private BracketBalanceStopper(LanguageRule rule, LexState start, int floor, CompletionMode mode)
    {
        _rule = rule;
        _start = start;
        _floor = floor;
        _mode = mode;
    }

    /// <summary>The brackets the suggestion may close beyond its own (0 when the document closes all it opens).</summary>
    public int MayClose => -_floor;

    /// <summary>
    /// A stopper for a cursor after <paramref name="before"/> and before <paramref name="after"/> (windows of the
    /// document; <paramref name="before"/> should start at a line start, so that it starts in code).
    /// </summary>
    public static BracketBalanceStopper Create(LanguageRule rule, string before, string after, CompletionMode mode)
    {
        var state = default(LexState);
        var open = 0;
        for (var i = 0; i < before.Length; i++)
        {
            if (CodeLexer.Step(ref state, rule, before, i))
            {
                open = CodeLexer.IsOpener(before[i]) ? open + 1 : CodeLexer.IsCloser(before[i]) ? Math.Max(0, open - 1) : open;
            }
        }

        var rest = state;
        var closed = 0;
        var depth = 0;
        for (var i = 0; i < after.Length && closed < open; i++)
        {
            if (CodeLexer.Step(ref rest, rule, after, i))
            {
                if (CodeLexer.IsOpener(after[i]))
                {
                    depth++;
                }
                else if (CodeLexer.IsCloser(after[i]))
                {
                    if (depth > 0)
                    {
                        depth--;
                    }
                    else
                    {
                        closed++;
                    }
                }
            }
        }

        return new BracketBalanceStopper(rule, state, -Math.Max(0, open - closed), mode);
    }

    public int? FindStop(string generated)
    {
        var state = _start;
        var depth = 0;
        var lastLineEnd = 0;
        for (var i = 0; i < generated.Length; i++)
        {
            var c = generated[i];
            var code = CodeLexer.Step(ref state, _rule, generated, i);
            if (c == '\n')
            {
                if (_mode == CompletionMode.MultiLine && depth < lastLineEnd && depth <= 0)
                {
                    return TrimmedEnd(generated, i);
                }

                lastLineEnd = depth;
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
            else if (CodeLexer.IsCloser(c) && --depth < _floor)
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
}
