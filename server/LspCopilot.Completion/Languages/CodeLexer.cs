namespace LspCopilot.Completion.Languages;

/// <summary>Where a lexer stands: in code, in a string (which quote), in a comment.</summary>
public record struct LexState(char Quote, bool Escaped, bool LineComment, bool BlockComment)
{
    public readonly bool InCode => Quote == '\0' && !LineComment && !BlockComment;
}

/// <summary>
/// Just enough lexing to tell code from strings and comments, one character at a time, so that brackets in
/// <c>"a(b"</c> or <c># )</c> are not counted. A string that is not closed ends with its line (except a
/// backtick string, which spans lines in JavaScript and Go).
/// </summary>
public static class CodeLexer
{
    /// <summary>Advances <paramref name="state"/> over <c>text[i]</c>; true when that character is code (not in, nor opening, a string or comment).</summary>
    public static bool Step(ref LexState state, LanguageRule rule, string text, int i)
    {
        var c = text[i];
        if (c == '\n')
        {
            state = state with { LineComment = false, Escaped = false, Quote = state.Quote == '`' ? '`' : '\0' };
            return true;
        }

        if (state.LineComment)
        {
            return false;
        }

        if (state.BlockComment)
        {
            if (c == '/' && i > 0 && text[i - 1] == '*')
            {
                state = state with { BlockComment = false };
            }

            return false;
        }

        if (state.Quote != '\0')
        {
            if (state.Escaped)
            {
                state = state with { Escaped = false };
            }
            else if (c == '\\' && state.Quote != '`')
            {
                state = state with { Escaped = true };
            }
            else if (c == state.Quote)
            {
                state = state with { Quote = '\0' };
            }

            return false;
        }

        if (rule.LineComment is { } marker && string.CompareOrdinal(text, i, marker, 0, marker.Length) == 0)
        {
            state = state with { LineComment = true };
            return false;
        }

        if (rule.BlockComments && c == '/' && i + 1 < text.Length && text[i + 1] == '*')
        {
            state = state with { BlockComment = true };
            return false;
        }

        if (rule.Quotes.Contains(c, StringComparison.Ordinal))
        {
            state = state with { Quote = c };
            return false;
        }

        return true;
    }

    /// <summary>The state after the whole of <paramref name="text"/>, from <paramref name="state"/>.</summary>
    public static LexState Run(LexState state, LanguageRule rule, string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            Step(ref state, rule, text, i);
        }

        return state;
    }

    public static bool IsOpener(char c) => c is '(' or '[' or '{';

    public static bool IsCloser(char c) => c is ')' or ']' or '}';
}
