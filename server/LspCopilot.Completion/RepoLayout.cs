namespace LspCopilot.Completion;

/// <summary>
/// The repository-level tokens of a code model trained on whole repositories (Qwen2.5-Coder <c>&lt;|repo_name|&gt;</c>,
/// <c>&lt;|file_sep|&gt;</c>; StarCoder2 <c>&lt;repo_name&gt;</c>, <c>&lt;file_sep&gt;</c>): retrieved context is then
/// written as other files of the repository, each <see cref="FileSeparator"/> + path + newline + code, followed by the
/// separator and the current file's path, and only then the FIM block — the layout the model saw in training. The
/// marker texts are parsed into their tokens only where the context renderer put them (<see cref="Neutralize"/>
/// keeps them out of the code it quotes).
/// </summary>
public sealed record RepoLayout(string FileSeparator, int FileSeparatorToken, string? RepoName = null, int? RepoNameToken = null)
{
    /// <summary>The marker texts of this layout with their tokens, longest first.</summary>
    public IEnumerable<(string Text, int Token)> Markers
    {
        get
        {
            yield return (FileSeparator, FileSeparatorToken);
            if (RepoName is { } name && RepoNameToken is int token)
            {
                yield return (name, token);
            }
        }
    }

    /// <summary>How reports name it: "repo files (&lt;|file_sep|&gt;)".</summary>
    public string Description => $"repo files ({FileSeparator}{(RepoName is null ? string.Empty : ", " + RepoName)})";

    /// <summary>
    /// <paramref name="text"/> with every marker text spelled apart (a space after its first character), so quoted code
    /// that happens to contain one stays text and the model sees a file boundary only where the renderer put one.
    /// </summary>
    public string Neutralize(string text)
    {
        foreach (var (marker, _) in Markers)
        {
            if (text.Contains(marker, StringComparison.Ordinal))
            {
                text = text.Replace(marker, marker[..1] + " " + marker[1..], StringComparison.Ordinal);
            }
        }

        return text;
    }

    /// <summary>
    /// Splits <paramref name="text"/> at the marker texts: each marker becomes its token, the text between is tokenized
    /// by <paramref name="tokenizeText"/> (which never parses control tokens).
    /// </summary>
    public List<T> Tokenize<T>(string text, Func<string, IReadOnlyList<T>> tokenizeText, Func<int, T> token)
    {
        var result = new List<T>();
        var at = 0;
        while (at < text.Length)
        {
            var (next, marker, id) = (-1, string.Empty, 0);
            foreach (var (m, t) in Markers)
            {
                var found = text.IndexOf(m, at, StringComparison.Ordinal);
                if (found >= 0 && (next < 0 || found < next))
                {
                    (next, marker, id) = (found, m, t);
                }
            }

            var end = next < 0 ? text.Length : next;
            if (end > at)
            {
                result.AddRange(tokenizeText(text[at..end]));
            }

            if (next < 0)
            {
                break;
            }

            result.Add(token(id));
            at = next + marker.Length;
        }

        return result;
    }
}
