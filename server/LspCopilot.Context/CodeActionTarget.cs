using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace LspCopilot.Context;

/// <summary>
/// The C# code a code action works on: a non-empty selection as it is; an empty one stands for the member
/// around the cursor (a method, property, constructor…, or a top-level statement), else the type declaration
/// around it. Spans leave out leading trivia, so doc comments stay where they are.
/// </summary>
public static class CodeActionTarget
{
    public static TextSpan? Find(SyntaxNode root, TextSpan selection)
    {
        if (!selection.IsEmpty)
        {
            return selection;
        }

        return Enclosing(root, selection.Start)?.Span;
    }

    /// <summary>The shape of the code at <paramref name="span"/>: members when it is exactly a member declaration, else what its text parses as.</summary>
    public static CodeShapeKind Shape(SyntaxNode root, SourceText text, TextSpan span)
    {
        var node = root.FindNode(span, getInnermostNodeForTie: false);
        var isMember = node.Span == span && node is MemberDeclarationSyntax and not GlobalStatementSyntax;
        return CodeShape.Of(text.ToString(span), isMember);
    }

    private static SyntaxNode? Enclosing(SyntaxNode root, int offset)
    {
        var token = root.FindToken(Math.Min(offset, Math.Max(0, root.FullSpan.End - 1)));
        var ancestors = token.Parent?.AncestorsAndSelf().ToList() ?? [];
        return ancestors.FirstOrDefault(n => n is MemberDeclarationSyntax and not BaseTypeDeclarationSyntax and not BaseNamespaceDeclarationSyntax)
            ?? ancestors.FirstOrDefault(n => n is BaseTypeDeclarationSyntax);
    }
}
