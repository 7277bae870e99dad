using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;

namespace LspCopilot.Context;

/// <summary>
/// The size of the prompt's prefix and suffix windows, as the context builder assumes them: the generation
/// options' token counts at a characters-per-token ratio on the low side, so the span taken for visible is
/// no larger than what the prompt shows (a line may be repeated, none is lost).
/// </summary>
public sealed record ContextWindow(int PrefixTokens = 1024, int SuffixTokens = 256, double CharsPerToken = 3.0)
{
    public int PrefixChars => (int)(PrefixTokens * CharsPerToken);

    public int SuffixChars => (int)(SuffixTokens * CharsPerToken);
}

/// <summary>
/// What the prompt's windows show of the document at a cursor: their span (the prefix window starts at a
/// line, like the prompt's) and the identifiers written in it. A context line whose declaration lies in the
/// span is left out; a line whose name the span already shows is worth less.
/// </summary>
public sealed class PromptWindowView
{
    private readonly SyntaxNode _root;
    private HashSet<string>? _names;

    private PromptWindowView(SyntaxNode root, TextSpan span)
    {
        _root = root;
        Span = span;
    }

    public TextSpan Span { get; }

    /// <summary>The identifiers in the windows (computed on first use: one walk over about 4,000 characters of tokens).</summary>
    public IReadOnlySet<string> Names => _names ??= Collect(_root, Span);

    public static PromptWindowView At(SyntaxNode root, SourceText text, int offset, ContextWindow window)
    {
        var start = Math.Max(0, offset - window.PrefixChars);
        if (start > 0)
        {
            var line = text.Lines.GetLineFromPosition(start);
            start = line.Start == start ? start : Math.Min(offset, line.EndIncludingLineBreak);
        }

        var end = Math.Min(text.Length, offset + window.SuffixChars);
        return new PromptWindowView(root, TextSpan.FromBounds(start, Math.Max(start, end)));
    }

    /// <summary>True when the whole of <paramref name="span"/> is inside the windows.</summary>
    public bool Shows(TextSpan span) => Span.Contains(span);

    private static HashSet<string> Collect(SyntaxNode root, TextSpan span)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var token in root.DescendantTokens(span))
        {
            if (token.IsKind(SyntaxKind.IdentifierToken) && span.Contains(token.Span))
            {
                names.Add(token.ValueText);
            }
        }

        return names;
    }
}
