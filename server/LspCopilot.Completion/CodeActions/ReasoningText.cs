using System.Text;

namespace LspCopilot.Completion.CodeActions;

/// <summary>
/// Separates a reasoning model's thinking (<c>&lt;think&gt;…&lt;/think&gt;</c>, <c>&lt;thinking&gt;</c>, <c>&lt;reasoning&gt;</c>)
/// from its answer, so thinking never reaches an edit and is folded out of explanations. Works on text still
/// streaming: an unclosed block is thinking up to the end. A closing tag with no opening one (templates that
/// open the block in the prompt) makes everything before it thinking.
/// </summary>
public static class ReasoningText
{
    private static readonly string[] s_tags = ["think", "thinking", "reasoning"];

    /// <summary>The answer (thinking removed, leading blank lines trimmed) and the thinking, null when there was none.</summary>
    public static (string Answer, string? Reasoning) Split(string text)
    {
        var answer = new StringBuilder();
        var reasoning = new StringBuilder();
        var at = 0;

        // A close before any open: the template opened the block in the prompt.
        var firstClose = FindTag(text, 0, closing: true);
        var firstOpen = FindTag(text, 0, closing: false);
        if (firstClose.Index >= 0 && (firstOpen.Index < 0 || firstClose.Index < firstOpen.Index))
        {
            reasoning.Append(text, 0, firstClose.Index);
            at = firstClose.Index + firstClose.Length;
        }

        while (at < text.Length)
        {
            var open = FindTag(text, at, closing: false);
            if (open.Index < 0)
            {
                answer.Append(text, at, text.Length - at);
                break;
            }

            answer.Append(text, at, open.Index - at);
            var inside = open.Index + open.Length;
            var close = FindTag(text, inside, closing: true, open.Name);
            if (close.Index < 0)
            {
                reasoning.Append(text, inside, text.Length - inside);
                break;
            }

            if (reasoning.Length > 0)
            {
                reasoning.Append('\n');
            }

            reasoning.Append(text, inside, close.Index - inside);
            at = close.Index + close.Length;
        }

        var thought = reasoning.ToString().Trim();
        return (answer.ToString().TrimStart('\r', '\n', ' ', '\t'), thought.Length > 0 ? thought : null);
    }

    /// <summary>The answer alone.</summary>
    public static string Answer(string text) => Split(text).Answer;

    private static (int Index, int Length, string Name) FindTag(string text, int from, bool closing, string? name = null)
    {
        var best = (Index: -1, Length: 0, Name: string.Empty);
        foreach (var tag in name is null ? s_tags : [name])
        {
            var literal = closing ? "</" + tag + ">" : "<" + tag + ">";
            var index = text.IndexOf(literal, from, StringComparison.OrdinalIgnoreCase);
            if (index >= 0 && (best.Index < 0 || index < best.Index))
            {
                best = (index, literal.Length, tag);
            }
        }

        return best;
    }
}
