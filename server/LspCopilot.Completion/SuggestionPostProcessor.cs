namespace LspCopilot.Completion;

/// <summary>Cleans a raw suggestion: trailing whitespace, and text that only repeats what follows the cursor.</summary>
public static class SuggestionPostProcessor
{
    public static string Clean(string generated, string suffix, CompletionMode mode)
    {
        var text = generated.TrimEnd();
        if (text.Length == 0)
        {
            return string.Empty;
        }

        var newline = suffix.IndexOf('\n', StringComparison.Ordinal);
        var restOfLine = (newline >= 0 ? suffix[..newline] : suffix).TrimEnd('\r').Trim();

        if (mode == CompletionMode.SingleLine || !text.Contains('\n', StringComparison.Ordinal))
        {
            // The model often re-writes the closing part already right of the cursor, e.g. ");".
            if (restOfLine.Length > 0 && text.EndsWith(restOfLine, StringComparison.Ordinal))
            {
                text = text[..^restOfLine.Length].TrimEnd();
            }

            return text;
        }

        // Multi-line: drop the suggestion's tail from the first line that repeats the next line of the document.
        var lines = text.Split('\n');
        var following = suffix.Split('\n').Skip(newline >= 0 ? 1 : 0).Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0);
        if (following is not null)
        {
            for (var i = 1; i < lines.Length; i++)
            {
                // A line of closing brackets may close the suggestion's own block, not repeat the document's.
                if (lines[i].Trim() == following && !following.All(c => c is '}' or ')' or ']' or ';' or ','))
                {
                    return string.Join('\n', lines[..i]).TrimEnd();
                }
            }
        }

        return text;
    }
}
