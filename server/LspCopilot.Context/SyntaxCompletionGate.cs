using LspCopilot.Completion;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using Microsoft.CodeAnalysis;

namespace LspCopilot.Context;

public enum CursorPlace
{
    Code,
    Comment,
    String,
}

/// <summary>The gate's answer: how much to write, where the cursor is, and whether it follows an opening brace.</summary>
public sealed record GateDecision(CompletionMode Mode, CursorPlace Place, bool AfterOpenBrace);

/// <summary>
/// Decides from the syntax tree whether and how to complete: nothing inside a word that continues to
/// the right, in disabled (#if'd out) code or a character literal, or before code on its line; one line
/// inside expressions, argument lists, comments and strings; several lines on an empty line of a
/// block, type or namespace body, and after a <c>{</c> that ends its line.
/// </summary>
public static class SyntaxCompletionGate
{
    public static GateDecision? Decide(SyntaxNode root, SourceText text, int offset)
    {
        var line = text.Lines.GetLineFromPosition(offset);
        if (offset < line.End && IsWordChar(text[offset]) && offset > line.Start && IsWordChar(text[offset - 1]))
        {
            return null;
        }

        var before = text.ToString(TextSpan.FromBounds(line.Start, offset));
        var after = text.ToString(TextSpan.FromBounds(offset, line.End));

        switch (TriviaAt(root, offset))
        {
            case TriviaPlace.Disabled:
                return null;
            case TriviaPlace.Comment:
                return new GateDecision(CompletionMode.SingleLine, CursorPlace.Comment, false);
        }

        var token = root.FindToken(offset, findInsideTrivia: true);
        if (token.Span.Start < offset && offset < token.Span.End || IsUnterminatedStringEndingAt(token, offset))
        {
            if (token.IsKind(SyntaxKind.CharacterLiteralToken))
            {
                return null;
            }

            if (IsStringToken(token))
            {
                return new GateDecision(CompletionMode.SingleLine, CursorPlace.String, false);
            }
        }

        if (string.IsNullOrWhiteSpace(before))
        {
            // Code to the right on the same line: inserting in front of it is rarely wanted.
            if (!string.IsNullOrWhiteSpace(after))
            {
                return null;
            }

            return IsStatementOrMemberList(root, offset)
                ? new GateDecision(CompletionMode.MultiLine, CursorPlace.Code, false)
                : new GateDecision(CompletionMode.SingleLine, CursorPlace.Code, false);
        }

        if (before.TrimEnd().EndsWith('{') && string.IsNullOrWhiteSpace(after))
        {
            return new GateDecision(CompletionMode.MultiLine, CursorPlace.Code, true);
        }

        return new GateDecision(CompletionMode.SingleLine, CursorPlace.Code, false);
    }

    private enum TriviaPlace
    {
        None,
        Comment,
        Disabled,
    }

    /// <summary>Comments allow one line; disabled code allows nothing.</summary>
    private static TriviaPlace TriviaAt(SyntaxNode root, int offset)
    {
        var trivia = root.FindTrivia(offset > 0 ? offset - 1 : 0, findInsideTrivia: true);
        if (trivia.IsKind(SyntaxKind.DisabledTextTrivia) && trivia.Span.Contains(offset))
        {
            return TriviaPlace.Disabled;
        }

        var inside = trivia.Kind() switch
        {
            SyntaxKind.SingleLineCommentTrivia => offset > trivia.SpanStart + 1 && offset <= trivia.Span.End,
            SyntaxKind.MultiLineCommentTrivia => offset > trivia.SpanStart + 1 && (offset < trivia.Span.End - 1 || !trivia.ToString().EndsWith("*/", StringComparison.Ordinal)),
            _ => false,
        };
        if (inside)
        {
            return TriviaPlace.Comment;
        }

        // XML doc comments are structured trivia: the cursor sits on a token inside them.
        var token = root.FindToken(offset > 0 ? offset - 1 : 0, findInsideTrivia: true);
        return token.Parent?.AncestorsAndSelf().Any(n => n is DocumentationCommentTriviaSyntax) == true
            && !token.IsKind(SyntaxKind.XmlTextLiteralNewLineToken) && token.Span.End >= offset
            ? TriviaPlace.Comment
            : TriviaPlace.None;
    }

    private static bool IsStringToken(SyntaxToken token) => token.Kind() is
        SyntaxKind.StringLiteralToken or SyntaxKind.InterpolatedStringTextToken or SyntaxKind.SingleLineRawStringLiteralToken
        or SyntaxKind.MultiLineRawStringLiteralToken or SyntaxKind.Utf8StringLiteralToken or SyntaxKind.InterpolatedRawStringEndToken;

    /// <summary>An unterminated string (<c>"abc|</c> at the end of a line) still puts the cursor inside it.</summary>
    private static bool IsUnterminatedStringEndingAt(SyntaxToken token, int offset) =>
        token.Span.End == offset && token.IsKind(SyntaxKind.StringLiteralToken) && token.ContainsDiagnostics
        && !token.Text.EndsWith('"');

    /// <summary>True where statements or members go: a block, a switch section, a type/namespace body, the file's top level.</summary>
    private static bool IsStatementOrMemberList(SyntaxNode root, int offset)
    {
        var token = root.FindToken(offset);
        for (var node = token.Parent; node is not null; node = node.Parent)
        {
            switch (node)
            {
                case BlockSyntax block when block.OpenBraceToken.Span.End <= offset && (block.CloseBraceToken.IsMissing || offset <= block.CloseBraceToken.SpanStart):
                case SwitchSectionSyntax:
                case BaseTypeDeclarationSyntax type when type.OpenBraceToken.Span.End <= offset:
                case BaseNamespaceDeclarationSyntax:
                case CompilationUnitSyntax:
                    return true;
                case StatementSyntax or MemberDeclarationSyntax when node.SpanStart < offset && !IsBetweenChildren(node, offset):
                    // Inside an unfinished statement or member that spans lines (an argument list, an initializer).
                    return false;
                case ArgumentListSyntax or InitializerExpressionSyntax or ParameterListSyntax or AttributeListSyntax:
                    return false;
            }
        }

        return true;
    }

    /// <summary>A blank line between a member's or statement's complete children (e.g. between two statements of a method body) still counts as a list.</summary>
    private static bool IsBetweenChildren(SyntaxNode node, int offset) =>
        node.ChildNodes().Any(c => c is BlockSyntax b && b.OpenBraceToken.Span.End <= offset && offset <= b.CloseBraceToken.SpanStart);

    private static bool IsWordChar(char c) => char.IsLetterOrDigit(c) || c == '_';
}
