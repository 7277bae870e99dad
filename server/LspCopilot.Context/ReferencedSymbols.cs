using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis;

namespace LspCopilot.Context;

/// <summary>What the member around the cursor uses, bound once per keystroke and shared by the sections built from it.</summary>
/// <param name="Found">Methods, properties, fields, events and types named near the cursor (original definitions), with their first use.</param>
/// <param name="ValueTypes">Types of the locals, parameters, fields and properties used near the cursor and of the calls' results, with their first use.</param>
public sealed record UsedSymbols(
    IReadOnlyDictionary<ISymbol, SymbolUse> Found,
    IReadOnlyList<(ITypeSymbol Type, int Position)> ValueTypes,
    INamedTypeSymbol? EnclosingType,
    ISymbol? EnclosingMember);

/// <summary>Where a symbol is first used near the cursor, and whether it is the call whose arguments hold the cursor.</summary>
public readonly record struct SymbolUse(int FirstUse, bool CallAtCursor);

/// <summary>
/// Signatures (and doc summaries) of the methods, properties and types used in the member around the
/// cursor whose declarations the model cannot see: in other files, in libraries, or far away in this
/// file. The call being written (the argument list around the cursor) comes first with its overloads;
/// then the nearest uses, the user's code before libraries the model has seen in training. Types with a
/// card in the context (<see cref="TypesInPlay"/>) are left to it. Lines are written in order of first
/// use, so typing at the end of a method only appends.
/// </summary>
public static class ReferencedSymbols
{
    public const string SectionName = "references";

    private const int WindowBefore = 3000;
    private const int WindowAfter = 1000;

    /// <summary>Binds the names of the member around the cursor (cut to a window around it).</summary>
    public static UsedSymbols Collect(ScopedModel scoped, SyntaxNode root, int offset, AnalysisOptions options, CancellationToken cancellationToken)
    {
        var model = scoped.Model;
        var token = root.FindToken(offset);
        var container = scoped.Body ?? token.Parent?.AncestorsAndSelf().FirstOrDefault(n => n is MemberDeclarationSyntax and not BaseTypeDeclarationSyntax and not BaseNamespaceDeclarationSyntax);
        var window = TextSpan(container, offset, root);
        var enclosing = model.GetEnclosingSymbol(offset, cancellationToken);
        var enclosingType = enclosing as INamedTypeSymbol ?? enclosing?.ContainingType;

        var found = new Dictionary<ISymbol, SymbolUse>(SymbolEqualityComparer.Default);
        var valueTypes = new List<(ITypeSymbol, int)>();
        foreach (var symbol in CallBeingWritten(scoped, root, offset, options, cancellationToken))
        {
            Add(found, symbol, offset, callAtCursor: true);
        }

        var searchRoot = container ?? root;
        foreach (var node in searchRoot.DescendantNodes(window))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!window.Contains(node.SpanStart) || node.Span.End == offset && node is SimpleNameSyntax || !scoped.Covers(node))
            {
                continue;
            }

            if (node is SimpleNameSyntax or ObjectCreationExpressionSyntax or ImplicitObjectCreationExpressionSyntax)
            {
                var info = model.GetSymbolInfo(node, cancellationToken);
                if (info.Symbol is { } symbol)
                {
                    Add(found, symbol, node.SpanStart, callAtCursor: false);
                    if (ValueType(symbol) is { } type)
                    {
                        valueTypes.Add((type, node.SpanStart));
                    }
                }
                else
                {
                    foreach (var candidate in info.CandidateSymbols.Take(options.MaxOverloads))
                    {
                        Add(found, candidate, node.SpanStart, callAtCursor: false);
                    }
                }
            }
        }

        return new UsedSymbols(found, valueTypes, enclosingType, enclosing);
    }

    /// <summary>The type of the value a name stands for: a local, parameter, field, property, or a call's result.</summary>
    private static ITypeSymbol? ValueType(ISymbol symbol) => symbol switch
    {
        ILocalSymbol local => local.Type,
        IParameterSymbol parameter => parameter.Type,
        IFieldSymbol field => field.Type,
        IPropertySymbol property => property.Type,
        IMethodSymbol { MethodKind: MethodKind.Ordinary or MethodKind.ReducedExtension } method when !method.ReturnsVoid => method.ReturnType,
        _ => null,
    };

    /// <param name="shownElsewhere">A type the receiver section already lists in full; its members are not repeated here.</param>
    /// <param name="carded">Types whose card is in the context: their header is not repeated here.</param>
    public static SectionDraft? Build(UsedSymbols used, SyntaxNode root, int offset, AnalysisOptions options, ITypeSymbol? shownElsewhere, IReadOnlySet<string> carded, CancellationToken cancellationToken)
    {
        var visible = used.Found
            .Where(f => IsWorthShowing(f.Key, used.EnclosingType, root.SyntaxTree, offset, options))
            .Where(f => shownElsewhere is null || !SymbolEqualityComparer.Default.Equals(f.Key, shownElsewhere.OriginalDefinition)
                && !SymbolEqualityComparer.Default.Equals(f.Key.ContainingType, shownElsewhere.OriginalDefinition))
            .Where(f => f.Key is not INamedTypeSymbol || !carded.Contains(TypeCards.IdOf((INamedTypeSymbol)f.Key)))
            .OrderBy(f => f.Value.CallAtCursor ? 0 : 1)
            .ThenBy(f => Math.Abs(f.Value.FirstUse - offset))
            .ThenBy(f => f.Key.ToDisplayString(), StringComparer.Ordinal)
            .ToList();

        var items = new List<ContextItem>();
        var rank = 0;
        foreach (var (symbol, use) in visible)
        {
            var priority = use.CallAtCursor ? 0 : 1 + rank++;
            var order = (use.CallAtCursor ? int.MaxValue / 2 : use.FirstUse) * 16L;
            var summary = SymbolSignatures.Summary(symbol, options.MaxSummaryChars, cancellationToken);
            var line = (symbol is INamedTypeSymbol type ? SymbolSignatures.TypeHeader(type) : SymbolSignatures.QualifiedMember(symbol))
                + (summary is null ? string.Empty : " // " + summary);
            var weight = use.CallAtCursor ? 98 : Math.Max(20, 62 - 0.7 * priority) * (TypeCards.IsInSource(symbol) ? 1 : 0.6);
            items.Add(new ContextItem(line, priority, Clamp(order))
            {
                Weight = weight,
                Key = symbol.GetDocumentationCommentId(),
                Name = use.CallAtCursor ? null : symbol.Name,
            });
        }

        return items.Count == 0 ? null : new SectionDraft(SectionName, "Signatures used here (from other files and libraries):", items);
    }

    private static int Clamp(long order) => (int)Math.Min(order, int.MaxValue - 1);

    /// <summary>The member around the cursor, cut to a window near it (huge methods, top-level code).</summary>
    private static Microsoft.CodeAnalysis.Text.TextSpan TextSpan(SyntaxNode? container, int offset, SyntaxNode root)
    {
        var span = container?.Span ?? root.FullSpan;
        var start = Math.Max(span.Start, offset - WindowBefore);
        var end = Math.Min(span.End, offset + WindowAfter);
        return Microsoft.CodeAnalysis.Text.TextSpan.FromBounds(start, Math.Max(start, end));
    }

    /// <summary>The method or constructor whose argument list holds the cursor: its overloads.</summary>
    private static IEnumerable<ISymbol> CallBeingWritten(ScopedModel scoped, SyntaxNode root, int offset, AnalysisOptions options, CancellationToken cancellationToken)
    {
        var model = scoped.Model;
        var token = root.FindToken(offset);
        var list = token.Parent?.AncestorsAndSelf().OfType<BaseArgumentListSyntax>()
            .FirstOrDefault(l => l.OpenBracketOrParen().Span.End <= offset && (l.CloseBracketOrParen().IsMissing || offset <= l.CloseBracketOrParen().SpanStart));
        if (list?.Parent is not { } call || !scoped.Covers(call))
        {
            return [];
        }

        var info = model.GetSymbolInfo(call, cancellationToken);
        if (info.Symbol is { } bound)
        {
            return [bound];
        }

        if (info.CandidateSymbols.Length > 0)
        {
            return info.CandidateSymbols.Take(options.MaxOverloads);
        }

        // An unfinished call binds to nothing; the method group of its name still has the overloads.
        var target = call switch
        {
            InvocationExpressionSyntax invocation => invocation.Expression,
            _ => null,
        };
        return target is null ? [] : model.GetMemberGroup(target, cancellationToken).Take(options.MaxOverloads);
    }

    private static void Add(Dictionary<ISymbol, SymbolUse> found, ISymbol symbol, int position, bool callAtCursor)
    {
        var key = symbol switch
        {
            IMethodSymbol { ReducedFrom: { } reduced } => reduced.OriginalDefinition,
            IMethodSymbol method => method.OriginalDefinition,
            INamedTypeSymbol type => type.OriginalDefinition,
            IPropertySymbol or IFieldSymbol or IEventSymbol => symbol.OriginalDefinition,
            _ => null,
        };
        if (key is null)
        {
            return;
        }

        if (found.TryGetValue(key, out var existing))
        {
            found[key] = new SymbolUse(Math.Min(existing.FirstUse, position), existing.CallAtCursor || callAtCursor);
        }
        else
        {
            found[key] = new SymbolUse(position, callAtCursor);
        }
    }

    private static bool IsWorthShowing(ISymbol symbol, INamedTypeSymbol? enclosingType, SyntaxTree tree, int offset, AnalysisOptions options)
    {
        switch (symbol)
        {
            case IMethodSymbol { MethodKind: not (MethodKind.Ordinary or MethodKind.Constructor or MethodKind.ReducedExtension) }:
            case INamedTypeSymbol { SpecialType: not SpecialType.None }:
            case INamedTypeSymbol { IsTupleType: true } or INamedTypeSymbol { IsAnonymousType: true } or INamedTypeSymbol { TypeKind: TypeKind.Error }:
                return false;
        }

        if (symbol.IsImplicitlyDeclared || symbol.ContainingType?.SpecialType == SpecialType.System_Object)
        {
            return false;
        }

        // The enclosing type's own members are in the outline.
        if (enclosingType is not null && SymbolEqualityComparer.Default.Equals(symbol.ContainingType?.OriginalDefinition, enclosingType.OriginalDefinition))
        {
            return false;
        }

        if (SymbolEqualityComparer.Default.Equals(symbol, enclosingType))
        {
            return false;
        }

        var location = symbol.Locations.FirstOrDefault();
        if (location is null || location.IsInMetadata || location.SourceTree != tree)
        {
            return location is not null;
        }

        return Math.Abs(location.SourceSpan.Start - offset) > options.NearbyChars;
    }
}
