using System.Text;

namespace LspCopilot.Context;

/// <summary>Writes a section's title and lines in the prompt's form: C# comments, or a file of the repository for a model with repository-level tokens.</summary>
public static class ContextRenderer
{
    public const string FileSeparator = "<|file_sep|>";

    public static string Render(ContextStyle style, string title, IEnumerable<string> lines)
    {
        var head = style.Repo is { } repo ? repo.FileSeparator + repo.Neutralize(title) + "\n" : "// " + title + "\n";
        return head + RenderLines(style, lines);
    }

    /// <summary>The lines alone, as they appear under a title.</summary>
    public static string RenderLines(ContextStyle style, IEnumerable<string> lines)
    {
        var sb = new StringBuilder();
        if (style.Repo is { } repo)
        {
            foreach (var line in lines)
            {
                sb.Append(repo.Neutralize(line)).Append('\n');
            }

            return sb.ToString();
        }

        foreach (var line in lines)
        {
            foreach (var part in line.Split('\n'))
            {
                sb.Append("// ").Append(part.TrimEnd('\r')).Append('\n');
            }
        }

        return sb.ToString();
    }

    /// <summary>
    /// The header of the file being completed, which ends a repository-level context right before the FIM block
    /// (<c>&lt;|file_sep|&gt;path\n</c>); null for comments.
    /// </summary>
    public static string? CurrentFile(ContextStyle style, string path) =>
        style.Repo is { } repo ? repo.FileSeparator + repo.Neutralize(path) + "\n" : null;
}
