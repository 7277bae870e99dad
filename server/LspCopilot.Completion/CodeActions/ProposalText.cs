using Microsoft.CodeAnalysis.Text;

namespace LspCopilot.Completion.CodeActions;

/// <summary>
/// Fits proposed code to the place it replaces: the document's line break, the indentation of the replaced
/// span's first line on every line after the first (the first starts where the span starts), no trailing blank
/// lines. For C# the formatter has the last word; for other languages this is all the layout there is.
/// </summary>
public static class ProposalText
{
    public static string Fit(string proposal, SourceText document, TextSpan span)
    {
        var lines = proposal.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n').Split('\n').ToList();
        while (lines.Count > 0 && lines[^1].Trim().Length == 0)
        {
            lines.RemoveAt(lines.Count - 1);
        }

        while (lines.Count > 0 && lines[0].Trim().Length == 0)
        {
            lines.RemoveAt(0);
        }

        if (lines.Count == 0)
        {
            return string.Empty;
        }

        var common = lines.Where(l => l.Trim().Length > 0).Min(l => l.Length - l.TrimStart(' ', '\t').Length);
        var indent = IndentAt(document, span.Start);
        var newline = LineBreakOf(document);
        var fitted = lines.Select((line, i) =>
        {
            var body = line.Trim().Length == 0 ? string.Empty : line[Math.Min(common, line.Length)..].TrimEnd();
            return i == 0 ? body.TrimStart() : body.Length == 0 ? body : indent + body;
        });

        // A span that ends with a line break keeps one.
        var end = span.End > span.Start && span.End <= document.Length && document[span.End - 1] is '\n' or '\r' ? newline : string.Empty;
        return string.Join(newline, fitted) + end;
    }

    /// <summary>The whitespace that starts the line holding <paramref name="offset"/>, up to the offset.</summary>
    public static string IndentAt(SourceText text, int offset)
    {
        var start = offset;
        while (start > 0 && text[start - 1] is not ('\n' or '\r'))
        {
            start--;
        }

        var end = start;
        while (end < offset && text[end] is ' ' or '\t')
        {
            end++;
        }

        return text.ToString(TextSpan.FromBounds(start, end));
    }

    /// <summary>The document's first line break (\r\n, \r or \n); \n when it has none.</summary>
    public static string LineBreakOf(SourceText text)
    {
        var length = Math.Min(text.Length, 1 << 16);
        for (var i = 0; i < length; i++)
        {
            if (text[i] == '\n')
            {
                return "\n";
            }

            if (text[i] == '\r')
            {
                return i + 1 < text.Length && text[i + 1] == '\n' ? "\r\n" : "\r";
            }
        }

        return "\n";
    }
}
