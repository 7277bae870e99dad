using System.Text;

namespace LspCopilot.Context;

/// <summary>Writes a section's title and lines in the prompt's form: C# comments, or a Qwen repo-level file.</summary>
public static class ContextRenderer
{
    public const string FileSeparator = "<|file_sep|>";

    public static string Render(ContextStyle style, string title, IEnumerable<string> lines)
    {
        var head = style == ContextStyle.FileSeparators ? FileSeparator + title + "\n" : "// " + title + "\n";
        return head + RenderLines(style, lines);
    }

    /// <summary>The lines alone, as they appear under a title.</summary>
    public static string RenderLines(ContextStyle style, IEnumerable<string> lines)
    {
        var sb = new StringBuilder();
        if (style == ContextStyle.FileSeparators)
        {
            foreach (var line in lines)
            {
                sb.Append(line).Append('\n');
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
}
