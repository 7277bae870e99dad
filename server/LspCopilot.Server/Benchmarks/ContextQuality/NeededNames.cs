using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace LspCopilot.Server.Benchmarks.ContextQuality;

/// <summary>What kind of declaration a needed name refers to (the context's misses differ by kind).</summary>
public enum NeededKind
{
    Type,
    EnumMember,
    StaticMember,
    ExtensionMethod,
    Member,
}

/// <summary>An identifier of the removed text that is declared in another file of the project.</summary>
public sealed record NeededName(string Name, NeededKind Kind);

/// <summary>
/// Finds the identifiers of a span that the model could only learn from other files: names whose symbol,
/// bound in the unmodified compilation, is declared in source and not in the span's own file (a partial type
/// declared in this file counts as this file's). Locals, parameters, type parameters, namespaces and
/// framework (metadata) symbols are left out, and so are <c>var</c> and <c>nameof</c>.
/// </summary>
public static class NeededNames
{
    public static IReadOnlyList<NeededName> In(CorpusFile file, TextSpan span)
    {
        var names = new List<NeededName>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in file.Tree.GetRoot().DescendantNodes(span).OfType<SimpleNameSyntax>())
        {
            if (!span.Contains(node.Identifier.Span) || node is IdentifierNameSyntax { IsVar: true } || IsNameOf(node))
            {
                continue;
            }

            var info = file.Model.GetSymbolInfo(node);
            if (Declaration(info.Symbol ?? info.CandidateSymbols.FirstOrDefault()) is not { } symbol
                || !DeclaredElsewhere(symbol, file.Tree)
                || !seen.Add(node.Identifier.ValueText))
            {
                continue;
            }

            names.Add(new NeededName(node.Identifier.ValueText, KindOf(symbol)));
        }

        return names;
    }

    /// <summary>The symbol whose declaration the name points at; null for kinds that are not declarations to fetch.</summary>
    private static ISymbol? Declaration(ISymbol? symbol)
    {
        if (symbol is IMethodSymbol { MethodKind: MethodKind.Constructor } constructor)
        {
            symbol = constructor.ContainingType;
        }

        if (symbol is IMethodSymbol { ReducedFrom: { } reduced })
        {
            symbol = reduced;
        }

        return symbol?.OriginalDefinition is { Kind: SymbolKind.NamedType or SymbolKind.Method or SymbolKind.Property or SymbolKind.Field or SymbolKind.Event } definition
            ? definition
            : null;
    }

    private static bool DeclaredElsewhere(ISymbol symbol, SyntaxTree tree)
    {
        var declarations = symbol.DeclaringSyntaxReferences;
        return declarations.Length > 0 && declarations.All(d => d.SyntaxTree != tree);
    }

    private static NeededKind KindOf(ISymbol symbol) => symbol switch
    {
        INamedTypeSymbol => NeededKind.Type,
        IFieldSymbol { ContainingType.TypeKind: TypeKind.Enum } => NeededKind.EnumMember,
        IMethodSymbol { IsExtensionMethod: true } => NeededKind.ExtensionMethod,
        { IsStatic: true } => NeededKind.StaticMember,
        _ => NeededKind.Member,
    };

    private static bool IsNameOf(SimpleNameSyntax node) =>
        node.Identifier.IsKind(SyntaxKind.IdentifierToken) && node.Identifier.ValueText == "nameof" && node.Parent is InvocationExpressionSyntax;
}
