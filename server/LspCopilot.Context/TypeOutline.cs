using System.Text;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis;

namespace LspCopilot.Context;

/// <summary>
/// The outline of the type around the cursor, from syntax only (so it works in broken code and costs
/// no binding): its header and one signature line per member, bodies left out. The member holding the
/// cursor is skipped — it is in the prefix window and changes with every keystroke. Members nearest
/// the cursor are kept first when the budget is short; lines stay in declaration order.
/// </summary>
public static class TypeOutline
{
    public const string SectionName = "outline";

    /// <summary>The type declaration whose body holds the cursor, innermost first.</summary>
    public static BaseTypeDeclarationSyntax? EnclosingType(SyntaxNode root, int offset) =>
        root.FindToken(offset).Parent?.AncestorsAndSelf().OfType<BaseTypeDeclarationSyntax>()
            .FirstOrDefault(t => t.OpenBraceToken.Span.End <= offset && (t.CloseBraceToken.IsMissing || offset <= t.CloseBraceToken.SpanStart));

    /// <summary>The member of the enclosing type whose text holds the cursor (left out of the outline), if any.</summary>
    public static SyntaxNode? CursorMember(BaseTypeDeclarationSyntax type, int offset) =>
        Members(type).FirstOrDefault(m => m.FullSpan.Contains(offset));

    /// <param name="compilation">Finds the other parts of a partial type; null = this file only.</param>
    public static SectionDraft? Build(SyntaxNode root, int offset, Compilation? compilation, CancellationToken cancellationToken)
    {
        var type = EnclosingType(root, offset);
        if (type is null)
        {
            return null;
        }

        // The header is visible when the window shows the type's first line: its span ends at the open brace.
        var header = new ContextItem(Header(type), 0, 0) { Weight = 72, Declared = TextSpanOf(type.SpanStart, type.OpenBraceToken.Span.End, type.SyntaxTree, type.SyntaxTree) };
        var items = new List<ContextItem> { header };
        var declarations = new List<BaseTypeDeclarationSyntax> { type };
        if (type.Modifiers.Any(SyntaxKind.PartialKeyword) && compilation is not null)
        {
            declarations.AddRange(OtherParts(type, compilation, cancellationToken));
        }

        var members = declarations.SelectMany(Members).ToList();
        var cursorIndex = members.FindIndex(m => m.SyntaxTree == type.SyntaxTree && m.FullSpan.Contains(offset));
        if (cursorIndex < 0)
        {
            cursorIndex = members.Count(m => m.SyntaxTree == type.SyntaxTree && m.SpanStart < offset);
        }

        for (var i = 0; i < members.Count; i++)
        {
            if (i == cursorIndex && members[i].FullSpan.Contains(offset))
            {
                continue;
            }

            if (Signature(members[i]) is { Length: > 0 } line)
            {
                // What the window cuts off: fields and properties (used everywhere in the type) before the nearest other members.
                var distance = Math.Abs(i - cursorIndex);
                var isData = members[i] is FieldDeclarationSyntax or PropertyDeclarationSyntax or EventFieldDeclarationSyntax;
                items.Add(new ContextItem("    " + line, 1 + distance, i + 1)
                {
                    Weight = (isData ? 70 : 58) - Math.Min(distance, 40) * 0.3,
                    Head = header,
                    Name = MemberName(members[i]),
                    Declared = TextSpanOf(members[i].SpanStart, members[i].Span.End, members[i].SyntaxTree, type.SyntaxTree),
                });
            }
        }

        var fileName = Path.GetFileName(type.SyntaxTree.FilePath);
        var title = $"Outline of {Keyword(type)} {type.Identifier.ValueText}" + (fileName.Length > 0 ? $" ({fileName})" : string.Empty) + ":";
        return new SectionDraft(SectionName, title, items);
    }

    /// <summary>
    /// The other parts of a partial type, from their own files (syntax only). The compilation may be
    /// one keystroke older than <paramref name="type"/>'s tree, so parts are matched by file path.
    /// </summary>
    private static IEnumerable<BaseTypeDeclarationSyntax> OtherParts(BaseTypeDeclarationSyntax type, Compilation compilation, CancellationToken cancellationToken)
    {
        var path = type.SyntaxTree.FilePath;
        if (string.IsNullOrEmpty(path))
        {
            return [];
        }

        var arity = type is TypeDeclarationSyntax { TypeParameterList: { } parameters } ? parameters.Parameters.Count : 0;
        var symbol = compilation.GetSymbolsWithName(type.Identifier.ValueText, SymbolFilter.Type, cancellationToken)
            .OfType<INamedTypeSymbol>()
            .FirstOrDefault(t => t.Arity == arity && t.DeclaringSyntaxReferences.Any(r => r.SyntaxTree.FilePath == path));
        return symbol is null
            ? []
            : symbol.DeclaringSyntaxReferences
                .Where(r => r.SyntaxTree.FilePath != path)
                .Select(r => r.GetSyntax(cancellationToken))
                .OfType<BaseTypeDeclarationSyntax>()
                .OrderBy(d => d.SyntaxTree.FilePath, StringComparer.Ordinal);
    }

    /// <summary>A span of the cursor's document; null for other files (a partial type's other parts).</summary>
    private static Microsoft.CodeAnalysis.Text.TextSpan? TextSpanOf(int start, int end, SyntaxTree tree, SyntaxTree document) =>
        tree == document ? Microsoft.CodeAnalysis.Text.TextSpan.FromBounds(start, end) : null;

    private static string? MemberName(SyntaxNode member) => member switch
    {
        MethodDeclarationSyntax m => m.Identifier.ValueText,
        PropertyDeclarationSyntax p => p.Identifier.ValueText,
        FieldDeclarationSyntax f => f.Declaration.Variables.FirstOrDefault()?.Identifier.ValueText,
        EventDeclarationSyntax e => e.Identifier.ValueText,
        BaseTypeDeclarationSyntax t => t.Identifier.ValueText,
        _ => null,
    };

    private static IEnumerable<SyntaxNode> Members(BaseTypeDeclarationSyntax type) => type switch
    {
        TypeDeclarationSyntax t => t.Members,
        EnumDeclarationSyntax e => e.Members,
        _ => [],
    };

    private static string Header(BaseTypeDeclarationSyntax type)
    {
        var sb = new StringBuilder();
        Append(sb, type.Modifiers.ToString());
        Append(sb, Keyword(type));
        Append(sb, type.Identifier.ValueText);
        if (type is TypeDeclarationSyntax t)
        {
            sb.Append(t.TypeParameterList?.ToString());
            sb.Append(t.ParameterList?.ToString());
        }

        if (type.BaseList is { } bases)
        {
            sb.Append(' ').Append(bases.ToString());
        }

        return Collapse(sb.ToString());
    }

    private static string Keyword(BaseTypeDeclarationSyntax type) => type switch
    {
        RecordDeclarationSyntax r when r.ClassOrStructKeyword.IsKind(SyntaxKind.StructKeyword) => "record struct",
        RecordDeclarationSyntax => "record",
        ClassDeclarationSyntax => "class",
        StructDeclarationSyntax => "struct",
        InterfaceDeclarationSyntax => "interface",
        EnumDeclarationSyntax => "enum",
        _ => "type",
    };

    /// <summary>One line for a member, without body, initializer, attributes or comments.</summary>
    public static string? Signature(SyntaxNode member)
    {
        var text = member switch
        {
            MethodDeclarationSyntax m => Join(m.Modifiers, m.ReturnType, m.ExplicitInterfaceSpecifier?.ToString() + m.Identifier.ValueText + m.TypeParameterList + m.ParameterList) + Constraints(m.ConstraintClauses),
            ConstructorDeclarationSyntax c => Join(c.Modifiers, null, c.Identifier.ValueText + c.ParameterList),
            DestructorDeclarationSyntax => null,
            PropertyDeclarationSyntax p => Join(p.Modifiers, p.Type, p.ExplicitInterfaceSpecifier?.ToString() + p.Identifier.ValueText) + " " + Accessors(p.AccessorList, p.ExpressionBody is not null),
            IndexerDeclarationSyntax i => Join(i.Modifiers, i.Type, "this" + i.ParameterList.ToString()) + " " + Accessors(i.AccessorList, i.ExpressionBody is not null),
            EventFieldDeclarationSyntax e => Join(e.Modifiers, null, "event " + e.Declaration.Type + " " + string.Join(", ", e.Declaration.Variables.Select(v => v.Identifier.ValueText))),
            EventDeclarationSyntax e => Join(e.Modifiers, null, "event " + e.Type + " " + e.Identifier.ValueText),
            FieldDeclarationSyntax f => Join(f.Modifiers, f.Declaration.Type, string.Join(", ", f.Declaration.Variables.Select(v => FieldVariable(v, f.Modifiers.Any(SyntaxKind.ConstKeyword))))),
            OperatorDeclarationSyntax o => Join(o.Modifiers, o.ReturnType, "operator " + o.OperatorToken.Text + o.ParameterList),
            ConversionOperatorDeclarationSyntax c => Join(c.Modifiers, null, c.ImplicitOrExplicitKeyword.Text + " operator " + c.Type + c.ParameterList),
            DelegateDeclarationSyntax d => Join(d.Modifiers, null, "delegate " + d.ReturnType + " " + d.Identifier.ValueText + d.TypeParameterList + d.ParameterList),
            BaseTypeDeclarationSyntax t => Header(t),
            EnumMemberDeclarationSyntax e => e.Identifier.ValueText + (e.EqualsValue is { } value ? " " + value : string.Empty) + ",",
            _ => null,
        };
        return text is null ? null : Collapse(text);
    }

    private static string FieldVariable(VariableDeclaratorSyntax variable, bool isConst) =>
        isConst && variable.Initializer is { } init && init.Value.Span.Length <= 40 ? variable.Identifier.ValueText + " " + init : variable.Identifier.ValueText;

    private static string Join(SyntaxTokenList modifiers, TypeSyntax? type, string rest)
    {
        var sb = new StringBuilder();
        Append(sb, modifiers.ToString());
        Append(sb, type?.ToString());
        Append(sb, rest);
        return sb.ToString();
    }

    private static string Constraints(SyntaxList<TypeParameterConstraintClauseSyntax> clauses) =>
        clauses.Count == 0 ? string.Empty : " " + string.Join(" ", clauses.Select(c => c.ToString()));

    private static string Accessors(AccessorListSyntax? list, bool expressionBodied)
    {
        if (list is null)
        {
            return expressionBodied ? "{ get; }" : "{ }";
        }

        return "{ " + string.Join(" ", list.Accessors.Select(a => (a.Modifiers.Count > 0 ? a.Modifiers + " " : string.Empty) + a.Keyword.ValueText + ";")) + " }";
    }

    private static void Append(StringBuilder sb, string? part)
    {
        if (string.IsNullOrWhiteSpace(part))
        {
            return;
        }

        if (sb.Length > 0)
        {
            sb.Append(' ');
        }

        sb.Append(part.Trim());
    }

    /// <summary>Signatures written over several lines become one line with single spaces, comments dropped.</summary>
    private static string Collapse(string text)
    {
        var sb = new StringBuilder(text.Length);
        var space = false;
        foreach (var line in text.Split('\n'))
        {
            var code = line;
            var comment = code.IndexOf("//", StringComparison.Ordinal);
            if (comment >= 0 && code[..comment].Count(c => c == '"') % 2 == 0)
            {
                code = code[..comment];
            }

            foreach (var c in code)
            {
                if (char.IsWhiteSpace(c))
                {
                    space = sb.Length > 0;
                    continue;
                }

                if (space && sb.Length > 0 && c is not (')' or ',' or '>' or ']') && sb[^1] is not ('(' or '<' or '['))
                {
                    sb.Append(' ');
                }

                space = false;
                sb.Append(c);
            }

            space = sb.Length > 0;
        }

        return sb.ToString();
    }
}
