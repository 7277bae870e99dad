using Microsoft.CodeAnalysis.Text;

namespace LspCopilot.Completion.CodeActions;

/// <summary>One edit of a diff: the span of the old text it replaces and the new text.</summary>
public sealed record TextReplacement(TextSpan Span, string NewText);

/// <summary>
/// The edits that turn one text into another, as small as a line diff makes them: unchanged lines between
/// changes are left alone (a longest common subsequence of lines), and each changed run of lines is trimmed to
/// the characters that differ. A region too large for the line table becomes one edit.
/// </summary>
public static class LineDiff
{
    /// <summary>Most cells of the line table (old lines × new lines of the changed region) before falling back to one edit.</summary>
    public const int MaxCells = 1_000_000;

    public static IReadOnlyList<TextReplacement> Edits(string before, string after)
    {
        if (string.Equals(before, after, StringComparison.Ordinal))
        {
            return [];
        }

        var oldLines = Lines(before);
        var newLines = Lines(after);

        // Lines equal at both ends need no table.
        var head = 0;
        while (head < oldLines.Count && head < newLines.Count && Same(before, oldLines[head], after, newLines[head]))
        {
            head++;
        }

        var tail = 0;
        while (tail < oldLines.Count - head && tail < newLines.Count - head
            && Same(before, oldLines[^(tail + 1)], after, newLines[^(tail + 1)]))
        {
            tail++;
        }

        var n = oldLines.Count - head - tail;
        var m = newLines.Count - head - tail;
        var hunks = (long)n * m <= MaxCells && n > 0 && m > 0
            ? Hunks(before, oldLines, after, newLines, head, n, m)
            : [(head, n, head, m)];

        var edits = new List<TextReplacement>();
        foreach (var (oldStart, oldCount, newStart, newCount) in hunks)
        {
            var from = oldStart < oldLines.Count ? oldLines[oldStart].Start : before.Length;
            var to = oldCount == 0 ? from : oldLines[oldStart + oldCount - 1].End;
            var newFrom = newStart < newLines.Count ? newLines[newStart].Start : after.Length;
            var newTo = newCount == 0 ? newFrom : newLines[newStart + newCount - 1].End;
            if (Trim(before, from, to, after, newFrom, newTo) is { } edit)
            {
                edits.Add(edit);
            }
        }

        return edits;
    }

    /// <summary>The changed runs of the region (old start, old count, new start, new count), from a table of longest common subsequences of lines.</summary>
    private static List<(int OldStart, int OldCount, int NewStart, int NewCount)> Hunks(string before, List<Line> oldLines, string after, List<Line> newLines, int head, int n, int m)
    {
        // lcs[i, j]: the longest common subsequence of old lines i.. and new lines j.. of the region.
        var lcs = new int[(n + 1) * (m + 1)];
        for (var i = n - 1; i >= 0; i--)
        {
            for (var j = m - 1; j >= 0; j--)
            {
                lcs[i * (m + 1) + j] = Same(before, oldLines[head + i], after, newLines[head + j])
                    ? lcs[(i + 1) * (m + 1) + j + 1] + 1
                    : Math.Max(lcs[(i + 1) * (m + 1) + j], lcs[i * (m + 1) + j + 1]);
            }
        }

        var hunks = new List<(int, int, int, int)>();
        int x = 0, y = 0, startX = -1, startY = -1;
        while (x < n || y < m)
        {
            if (x < n && y < m && Same(before, oldLines[head + x], after, newLines[head + y]))
            {
                if (startX >= 0)
                {
                    hunks.Add((head + startX, x - startX, head + startY, y - startY));
                    startX = startY = -1;
                }

                x++;
                y++;
                continue;
            }

            if (startX < 0)
            {
                (startX, startY) = (x, y);
            }

            if (y < m && (x == n || lcs[x * (m + 1) + y + 1] >= lcs[(x + 1) * (m + 1) + y]))
            {
                y++;
            }
            else
            {
                x++;
            }
        }

        if (startX >= 0)
        {
            hunks.Add((head + startX, x - startX, head + startY, y - startY));
        }

        return hunks;
    }

    /// <summary>The edit of one hunk without the characters its old and new text share at either end; null when they are the same.</summary>
    private static TextReplacement? Trim(string before, int from, int to, string after, int newFrom, int newTo)
    {
        var oldText = before.AsSpan(from, to - from);
        var newText = after.AsSpan(newFrom, newTo - newFrom);
        var prefix = oldText.CommonPrefixLength(newText);
        // Never split a CRLF or a surrogate pair.
        while (prefix > 0 && (oldText[prefix - 1] == '\r' || char.IsHighSurrogate(oldText[prefix - 1])))
        {
            prefix--;
        }

        var suffix = 0;
        var max = Math.Min(oldText.Length, newText.Length) - prefix;
        while (suffix < max && oldText[^(suffix + 1)] == newText[^(suffix + 1)])
        {
            suffix++;
        }

        while (suffix > 0 && (oldText[^suffix] == '\n' || char.IsLowSurrogate(oldText[^suffix])))
        {
            suffix--;
        }

        if (oldText.Length - prefix - suffix == 0 && newText.Length - prefix - suffix == 0)
        {
            return null;
        }

        return new TextReplacement(
            TextSpan.FromBounds(from + prefix, to - suffix),
            newText[prefix..(newText.Length - suffix)].ToString());
    }

    /// <summary>Lines with their line breaks (\n, \r\n, \r), as spans of the text.</summary>
    private static List<Line> Lines(string text)
    {
        var lines = new List<Line>();
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\n' || text[i] == '\r')
            {
                if (text[i] == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
                {
                    i++;
                }

                lines.Add(new Line(start, i + 1));
                start = i + 1;
            }
        }

        if (start < text.Length)
        {
            lines.Add(new Line(start, text.Length));
        }

        return lines;
    }

    private static bool Same(string a, Line x, string b, Line y) =>
        x.End - x.Start == y.End - y.Start && a.AsSpan(x.Start, x.End - x.Start).SequenceEqual(b.AsSpan(y.Start, y.End - y.Start));

    private readonly record struct Line(int Start, int End);
}
