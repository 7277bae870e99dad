using LspCopilot.Completion;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using Microsoft.CodeAnalysis;

namespace LspCopilot.Context;

/// <summary>
/// Stops the stream when the code being written is complete, judged by Roslyn on the document with
/// the text inserted at the cursor:
/// <list type="bullet">
/// <item>one line: when the statement holding the cursor ends with its <c>;</c>, or before a closing
/// bracket that is already right of the cursor;</item>
/// <item>on an empty line: after the first complete statement or member (waiting one token after a
/// <c>}</c> or an <c>if</c>'s <c>;</c>, since <c>else</c>/<c>catch</c>/an initializer may follow), or
/// before a <c>}</c> that closes the enclosing block;</item>
/// <item>after <c>{</c>: when that block closes — before the <c>}</c> if the document already has it,
/// after it otherwise;</item>
/// <item>always: before a line that repeats the next line of the document.</item>
/// </list>
/// Brackets are counted on tokens, so those in strings and comments do not count.
/// </summary>
public sealed class SyntaxStopper : ICompletionStopper, ISuggestionCleaner
{
    private readonly SyntaxTree _tree;
    private readonly SourceText _text;
    private readonly int _offset;
    private readonly GateDecision _gate;
    private readonly string _restOfLine;
    private readonly string? _nextLine;
    private readonly bool _openBraceClosed;
    private readonly Dictionary<(int End, int LookaheadEnd), bool> _verdicts = [];

    private SyntaxStopper(SyntaxTree tree, SourceText text, int offset, GateDecision gate)
    {
        _tree = tree;
        _text = text;
        _offset = offset;
        _gate = gate;
        var line = text.Lines.GetLineFromPosition(offset);
        _restOfLine = text.ToString(TextSpan.FromBounds(offset, line.End)).Trim();
        _nextLine = NextNonEmptyLine(text, line.LineNumber + 1);
        _openBraceClosed = gate.AfterOpenBrace && IsOpenBraceClosed(tree.GetRoot(), text, offset);
    }

    /// <summary>A stopper for code; null in comments and strings, where the line end is the only stop.</summary>
    public static SyntaxStopper? Create(SyntaxTree tree, SourceText text, int offset, GateDecision gate) =>
        gate.Place == CursorPlace.Code ? new SyntaxStopper(tree, text, offset, gate) : null;

    public int? FindStop(string generated)
    {
        if (generated.Length == 0)
        {
            return null;
        }

        if (_gate.Mode == CompletionMode.MultiLine && RepeatedLine(generated) is int repeat)
        {
            return repeat;
        }

        var tokens = SyntaxFactory.ParseTokens(generated).Where(t => !t.IsKind(SyntaxKind.EndOfFileToken)).ToList();
        var depth = 0;
        for (var i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            var next = i + 1 < tokens.Count ? tokens[i + 1] : default(SyntaxToken?);
            switch (token.Kind())
            {
                case SyntaxKind.OpenParenToken or SyntaxKind.OpenBracketToken or SyntaxKind.OpenBraceToken:
                    depth++;
                    break;
                case SyntaxKind.CloseParenToken or SyntaxKind.CloseBracketToken or SyntaxKind.CloseBraceToken:
                    depth--;
                    if (depth < 0)
                    {
                        if (OuterClose(generated, token) is int keep)
                        {
                            return keep;
                        }

                        // It closes something opened before the cursor that the document does not close yet.
                        depth = 0;
                    }
                    else if (depth == 0 && token.IsKind(SyntaxKind.CloseBraceToken) && _gate.Mode == CompletionMode.MultiLine && !_gate.AfterOpenBrace)
                    {
                        if (!IsComplete(next, generated))
                        {
                            return null;
                        }

                        if (EndsUnit(generated, token, next))
                        {
                            return token.Span.End;
                        }
                    }

                    break;
                case SyntaxKind.SemicolonToken when depth == 0:
                    if (_gate.Mode == CompletionMode.SingleLine)
                    {
                        if (EndsUnit(generated, token, lookahead: null))
                        {
                            return token.Span.End;
                        }
                    }
                    else if (!_gate.AfterOpenBrace && EndsUnit(generated, token, lookahead: null))
                    {
                        if (!IsIfStatementEnd(generated, token))
                        {
                            return token.Span.End;
                        }

                        if (!IsComplete(next, generated))
                        {
                            return null;
                        }

                        if (EndsUnit(generated, token, next))
                        {
                            return token.Span.End;
                        }
                    }

                    break;
            }
        }

        return null;
    }

    /// <summary>
    /// Trims whitespace, drops a tail that repeats what is right of the cursor on its line, and (several
    /// lines) cuts before a line that repeats the document's next line — unless that line only closes
    /// brackets, which the suggestion may well have opened.
    /// </summary>
    public string Clean(string generated, string suffix, CompletionMode mode)
    {
        var text = generated.TrimEnd();
        if (mode == CompletionMode.SingleLine || !text.Contains('\n', StringComparison.Ordinal))
        {
            return _restOfLine.Length > 0 && text.EndsWith(_restOfLine, StringComparison.Ordinal) ? text[..^_restOfLine.Length].TrimEnd() : text;
        }

        return RepeatedLine(text + "\n") is int cut ? text[..cut].TrimEnd() : text;
    }

    /// <summary>A lookahead token is only known once text follows it: "e" may still become "else".</summary>
    private static bool IsComplete([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] SyntaxToken? token, string generated) =>
        token is { } t && t.Span.End < generated.Length;

    /// <summary>A closer whose opener is left of the cursor: where to stop, or null to keep it.</summary>
    private int? OuterClose(string generated, SyntaxToken closer)
    {
        var closerText = closer.Text;
        if (_gate.Mode == CompletionMode.SingleLine)
        {
            // Never write again what is already right of the cursor.
            return _restOfLine.StartsWith(closerText, StringComparison.Ordinal) ? closer.SpanStart : null;
        }

        if (_gate.AfterOpenBrace && closer.IsKind(SyntaxKind.CloseBraceToken) && !_openBraceClosed)
        {
            return closer.Span.End;
        }

        // The block around the cursor closes: stop before that line.
        var lineStart = generated.LastIndexOf('\n', Math.Max(0, closer.SpanStart - 1));
        return lineStart >= 0 && string.IsNullOrWhiteSpace(generated[(lineStart + 1)..closer.SpanStart]) ? lineStart : closer.SpanStart;
    }

    /// <summary>
    /// True when <paramref name="terminator"/> ends a whole statement or member in the document with the
    /// text inserted — one at the level of the enclosing block or type body — and, with a
    /// <paramref name="lookahead"/> token, that token does not continue it (<c>else</c>, <c>catch</c>, <c>= value;</c>).
    /// </summary>
    private bool EndsUnit(string generated, SyntaxToken terminator, SyntaxToken? lookahead)
    {
        var end = lookahead?.Span.End ?? terminator.Span.End;
        var key = (terminator.Span.End, end);
        if (_verdicts.TryGetValue(key, out var verdict))
        {
            return verdict;
        }

        var unit = UnitEndingAt(generated, terminator, end);
        verdict = unit is not null && (_gate.Mode == CompletionMode.SingleLine ? unit.SpanStart <= _offset : unit.SpanStart >= _offset);
        _verdicts[key] = verdict;
        return verdict;
    }

    private bool IsIfStatementEnd(string generated, SyntaxToken terminator) =>
        UnitEndingAt(generated, terminator, terminator.Span.End) is IfStatementSyntax;

    private SyntaxNode? UnitEndingAt(string generated, SyntaxToken terminator, int insertLength)
    {
        var text = _text.WithChanges(new TextChange(new TextSpan(_offset, 0), generated[..insertLength]));
        var root = _tree.WithChangedText(text).GetRoot();
        var position = _offset + terminator.SpanStart;
        var token = root.FindToken(position);
        if (token.SpanStart != position || token.RawKind != terminator.RawKind)
        {
            return null;
        }

        SyntaxNode? unit = null;
        for (var node = token.Parent; node is not null && node.GetLastToken() == token; node = node.Parent)
        {
            if (node is StatementSyntax or MemberDeclarationSyntax)
            {
                unit = node;
            }
        }

        if (unit is null || unit.DescendantTokens().Any(t => t.IsMissing))
        {
            return null;
        }

        return unit.Parent is BlockSyntax or SwitchSectionSyntax or BaseTypeDeclarationSyntax or BaseNamespaceDeclarationSyntax
            or CompilationUnitSyntax or GlobalStatementSyntax
            ? unit
            : null;
    }

    /// <summary>The start of a generated line (not the first) that repeats the document's next line.</summary>
    private int? RepeatedLine(string generated)
    {
        if (_nextLine is null)
        {
            return null;
        }

        var start = generated.IndexOf('\n', StringComparison.Ordinal);
        while (start >= 0)
        {
            var end = generated.IndexOf('\n', start + 1);
            if (end < 0)
            {
                return null;
            }

            var line = generated[(start + 1)..end].Trim();
            if (line == _nextLine && !IsClosersOnly(line))
            {
                return start;
            }

            start = end;
        }

        return null;
    }

    /// <summary>"}" or "});" repeat the next line of the document by coincidence: the bracket count decides those.</summary>
    public static bool IsClosersOnly(string line) => line.All(c => c is '}' or ')' or ']' or ';' or ',');

    private static string? NextNonEmptyLine(SourceText text, int lineNumber)
    {
        for (var i = lineNumber; i < text.Lines.Count; i++)
        {
            var line = text.Lines[i].ToString().Trim();
            if (line.Length > 0)
            {
                return line;
            }
        }

        return null;
    }

    /// <summary>
    /// Whether the <c>{</c> before the cursor already has its <c>}</c>. The parser pairs an unclosed
    /// brace with the next <c>}</c> it finds, so the pair only counts when both lines start at the same
    /// indentation.
    /// </summary>
    private static bool IsOpenBraceClosed(SyntaxNode root, SourceText text, int offset)
    {
        var open = root.FindToken(offset);
        if (open.SpanStart >= offset)
        {
            open = open.GetPreviousToken();
        }

        if (!open.IsKind(SyntaxKind.OpenBraceToken))
        {
            return false;
        }

        var close = open.Parent?.ChildTokens().LastOrDefault(t => t.IsKind(SyntaxKind.CloseBraceToken)) ?? default;
        if (close.IsKind(SyntaxKind.None) || close.IsMissing)
        {
            return false;
        }

        return Indentation(text, open.SpanStart) == Indentation(text, close.SpanStart);
    }

    private static string Indentation(SourceText text, int position)
    {
        var line = text.Lines.GetLineFromPosition(position).ToString();
        return line[..(line.Length - line.TrimStart().Length)];
    }
}
