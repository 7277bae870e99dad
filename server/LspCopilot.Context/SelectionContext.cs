using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;
using LspCopilot.Completion.CodeActions;

namespace LspCopilot.Context;

/// <summary>
/// The context sections of a code action's prompt about a span: the enclosing type's outline (the span's own
/// member left out: it is in the prompt whole), the signatures and doc summaries of what the span uses from
/// elsewhere, and the compiler diagnostics in it. Budgeted like completion context (<see cref="CSharpContextBuilder.RenderAsync"/>).
/// </summary>
public static class SelectionContext
{
    public const string DiagnosticsSectionName = "diagnostics";

    public static IReadOnlyList<(SectionDraft? Draft, int Cap)> Drafts(SemanticModel model, SyntaxNode root, TextSpan span, IReadOnlyList<CodeDiagnostic> diagnostics, SourceText text, AnalysisOptions options, CancellationToken cancellationToken)
    {
        var budget = options.Budget;
        return
        [
            (TypeOutline.Build(root, span.Start, model.Compilation, cancellationToken), budget.Outline),
            (UsedSymbols(model, root, span, options, cancellationToken), budget.References),
            (Diagnostics(diagnostics, text), budget.References),
        ];
    }

    /// <summary>Signatures of the methods, properties, fields and types the span uses that are declared outside it and outside its type.</summary>
    public static SectionDraft? UsedSymbols(SemanticModel model, SyntaxNode root, TextSpan span, AnalysisOptions options, CancellationToken cancellationToken)
    {
        var enclosingType = model.GetEnclosingSymbol(span.Start, cancellationToken) is { } enclosing
            ? enclosing as INamedTypeSymbol ?? enclosing.ContainingType
            : null;
        var found = new Dictionary<ISymbol, int>(SymbolEqualityComparer.Default);
        foreach (var node in root.DescendantNodes(span))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!span.Contains(node.Span) || node is not (SimpleNameSyntax or ObjectCreationExpressionSyntax))
            {
                continue;
            }

            var info = model.GetSymbolInfo(node, cancellationToken);
            foreach (var symbol in info.Symbol is { } bound ? [bound] : info.CandidateSymbols.Take(options.MaxOverloads))
            {
                if (Key(symbol) is { } key && IsWorthShowing(key, enclosingType, span, root.SyntaxTree) && !found.ContainsKey(key))
                {
                    found[key] = node.SpanStart;
                }
            }
        }

        var items = new List<ContextItem>();
        foreach (var (symbol, firstUse) in found.OrderBy(f => f.Value))
        {
            var summary = SymbolSignatures.Summary(symbol, options.MaxSummaryChars, cancellationToken);
            var line = (symbol is INamedTypeSymbol type ? SymbolSignatures.TypeHeader(type) : SymbolSignatures.QualifiedMember(symbol))
                + (summary is null ? string.Empty : " // " + summary);
            items.Add(new ContextItem(line, items.Count, firstUse));
        }

        return items.Count == 0 ? null : new SectionDraft(ReferencedSymbols.SectionName, "Signatures the code uses:", items);
    }

    /// <summary>The diagnostics as lines "line N: CS0103 message", errors first.</summary>
    public static SectionDraft? Diagnostics(IReadOnlyList<CodeDiagnostic> diagnostics, SourceText text)
    {
        var items = diagnostics
            .OrderBy(d => d.IsError ? 0 : 1)
            .Select((d, i) => new ContextItem($"line {text.Lines.GetLinePosition(d.Span.Start).Line + 1}: {(d.IsError ? "error" : "warning")} {d.Id}: {d.Message}", i, i))
            .ToList();
        return items.Count == 0 ? null : new SectionDraft(DiagnosticsSectionName, "Compiler diagnostics in the code:", items);
    }

    private static ISymbol? Key(ISymbol symbol) => symbol switch
    {
        IMethodSymbol { ReducedFrom: { } reduced } => reduced.OriginalDefinition,
        IMethodSymbol { MethodKind: MethodKind.Ordinary or MethodKind.Constructor } method => method.OriginalDefinition,
        INamedTypeSymbol { SpecialType: SpecialType.None, IsTupleType: false, IsAnonymousType: false, TypeKind: not TypeKind.Error } type => type.OriginalDefinition,
        IPropertySymbol or IFieldSymbol or IEventSymbol => symbol.OriginalDefinition,
        _ => null,
    };

    private static bool IsWorthShowing(ISymbol symbol, INamedTypeSymbol? enclosingType, TextSpan span, SyntaxTree tree)
    {
        if (symbol.IsImplicitlyDeclared || symbol.ContainingType?.SpecialType == SpecialType.System_Object)
        {
            return false;
        }

        // The enclosing type's own members are in the outline.
        if (enclosingType is not null && (SymbolEqualityComparer.Default.Equals(symbol.ContainingType?.OriginalDefinition, enclosingType.OriginalDefinition)
            || SymbolEqualityComparer.Default.Equals(symbol, enclosingType.OriginalDefinition)))
        {
            return false;
        }

        // Declared inside the span: the model sees it.
        return !symbol.Locations.Any(l => l.SourceTree == tree && span.Contains(l.SourceSpan));
    }
}
