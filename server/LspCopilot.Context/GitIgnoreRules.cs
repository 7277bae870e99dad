namespace LspCopilot.Context;

/// <summary>
/// The patterns of one <c>.gitignore</c> file, matched against paths relative to its folder: blank
/// lines and <c>#</c> comments, <c>!</c> negation, a trailing <c>/</c> for folders only, a leading or
/// inner <c>/</c> anchoring, <c>*</c>, <c>?</c>, <c>[...]</c> and <c>**</c>. Later rules win. Patterns are matched by
/// <see cref="GlobPattern"/> in time linear in the path, so no pattern can stall the workspace scan.
/// </summary>
public sealed class GitIgnoreRules
{
    private readonly List<Rule> _rules;

    private GitIgnoreRules(string folder, List<Rule> rules)
    {
        Folder = folder;
        _rules = rules;
    }

    public string Folder { get; }

    public int Count => _rules.Count;

    public static GitIgnoreRules Parse(string folder, string content)
    {
        var rules = new List<Rule>();
        foreach (var raw in content.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            line = TrimUnescapedTrailingSpaces(line);
            var negate = false;
            if (line.StartsWith('!'))
            {
                negate = true;
                line = line[1..];
            }
            else if (line.StartsWith("\\!", StringComparison.Ordinal) || line.StartsWith("\\#", StringComparison.Ordinal))
            {
                line = line[1..];
            }

            var directoryOnly = line.EndsWith('/');
            line = line.TrimEnd('/');
            if (line.Length == 0)
            {
                continue;
            }

            var anchored = line.Contains('/', StringComparison.Ordinal);
            line = line.TrimStart('/');
            rules.Add(new Rule(GlobPattern.Compile(line, anyFolderPrefix: !anchored), negate, directoryOnly));
        }

        return new GitIgnoreRules(folder, rules);
    }

    /// <summary>True/false when a rule decides for the path (relative to <see cref="Folder"/>, '/' separated); null when none matches.</summary>
    public bool? Decide(string relativePath, bool isDirectory)
    {
        bool? ignored = null;
        foreach (var rule in _rules)
        {
            if (rule.DirectoryOnly && !isDirectory)
            {
                continue;
            }

            if (rule.Pattern.IsMatch(relativePath))
            {
                ignored = !rule.Negate;
            }
        }

        return ignored;
    }

    private static string TrimUnescapedTrailingSpaces(string line)
    {
        var end = line.Length;
        while (end > 0 && line[end - 1] == ' ' && !(end > 1 && line[end - 2] == '\\'))
        {
            end--;
        }

        return line[..end];
    }

    private sealed record Rule(GlobPattern Pattern, bool Negate, bool DirectoryOnly);
}
