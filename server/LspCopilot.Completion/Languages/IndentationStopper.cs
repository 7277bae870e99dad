namespace LspCopilot.Completion.Languages;

/// <summary>
/// In a language whose blocks are indented (Python, YAML): stops a multi-line suggestion before its first line
/// that is indented less than the cursor's block — the code after the block is the document's, not the
/// suggestion's. The block is the cursor's line's indentation when code precedes the cursor, and on a blank line
/// the cursor's column plus the indentation the suggestion's first line adds. Blank lines are kept only between
/// kept lines.
/// </summary>
public sealed class IndentationStopper : ICompletionStopper
{
    /// <summary>Columns a tab advances (Python's own rule is to the next multiple of 8; editors show 4, and mixing is rare).</summary>
    public const int TabWidth = 4;

    private readonly int _lineIndent;
    private readonly bool _blankBefore;

    private IndentationStopper(int lineIndent, bool blankBefore)
    {
        _lineIndent = lineIndent;
        _blankBefore = blankBefore;
    }

    /// <summary>A stopper for a cursor after <paramref name="lineBefore"/> (its line up to the cursor).</summary>
    public static IndentationStopper Create(string lineBefore)
    {
        var blank = lineBefore.Trim().Length == 0;
        return new IndentationStopper(Width(lineBefore, blank ? lineBefore.Length : LeadingWhitespace(lineBefore)), blank);
    }

    public int? FindStop(string generated)
    {
        var firstEnd = generated.IndexOf('\n', StringComparison.Ordinal);
        if (firstEnd < 0)
        {
            return null;
        }

        var block = _lineIndent;
        if (_blankBefore)
        {
            var first = generated[..firstEnd];
            if (first.Trim().Length == 0)
            {
                // The suggestion starts with an empty line: its block is the cursor's.
                first = string.Empty;
            }

            block += Width(first, LeadingWhitespace(first));
        }

        var start = firstEnd + 1;
        while (start < generated.Length)
        {
            var end = generated.IndexOf('\n', start);
            var line = end < 0 ? generated[start..] : generated[start..end];
            var indent = LeadingWhitespace(line);

            // A line of whitespace alone says nothing yet: blank, or its code has not streamed in.
            if (indent < line.TrimEnd('\r').Length && Width(line, indent) < block)
            {
                return BracketBalanceStopper.TrimmedEnd(generated, start);
            }

            if (end < 0)
            {
                break;
            }

            start = end + 1;
        }

        return null;
    }

    private static int LeadingWhitespace(string line)
    {
        var i = 0;
        while (i < line.Length && line[i] is ' ' or '\t')
        {
            i++;
        }

        return i;
    }

    private static int Width(string line, int length)
    {
        var width = 0;
        for (var i = 0; i < length; i++)
        {
            width = line[i] == '\t' ? (width / TabWidth + 1) * TabWidth : width + 1;
        }

        return width;
    }
}
