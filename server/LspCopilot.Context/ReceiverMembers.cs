using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis;

namespace LspCopilot.Context;

/// <summary>The expression before a <c>.</c> at the cursor and the part of a name typed after it.</summary>
public sealed record ReceiverAt(ExpressionSyntax Expression, string Partial, int DotPosition);

/// <summary>
/// After <c>expr.</c> (or <c>expr?.</c>, or <c>expr.Par</c>): the members a developer would see in
/// the completion list — the type's own members in declaration order, then inherited ones, then
/// extension methods — with signatures and doc summaries. For a type name, its static members; for a
/// namespace, its types and namespaces. Members matching the typed part come first when the budget
/// is short.
/// </summary>
public static class ReceiverMembers
{
    public const string SectionName = "receiver";

    public static ReceiverAt? Find(SyntaxNode root, int offset)
    {
        var token = root.FindToken(offset);
        if (token.SpanStart >= offset)
        {
            token = token.GetPreviousToken();
        }

        var partial = string.Empty;
        if (token.IsKind(SyntaxKind.IdentifierToken) && token.Span.End == offset)
        {
            partial = token.ValueText;
            token = token.GetPreviousToken();
        }

        if (!token.IsKind(SyntaxKind.DotToken) || token.Span.End > offset)
        {
            return null;
        }

        ExpressionSyntax? receiver = token.Parent switch
        {
            MemberAccessExpressionSyntax access => access.Expression,
            QualifiedNameSyntax name => name.Left,
            MemberBindingExpressionSyntax binding => binding.Ancestors().OfType<ConditionalAccessExpressionSyntax>().FirstOrDefault(c => c.WhenNotNull.Span.Contains(binding.Span))?.Expression,
            _ => null,
        };
        return receiver is null ? null : new ReceiverAt(receiver, partial, token.SpanStart);
    }

    /// <summary>The type whose members a receiver section lists (null for namespaces and unknown types).</summary>
    public static ITypeSymbol? ReceiverType(ScopedModel scoped, ReceiverAt receiver, CancellationToken cancellationToken)
    {
        if (!scoped.Covers(receiver.Expression))
        {
            return null;
        }

        var symbol = scoped.Model.GetSymbolInfo(receiver.Expression, cancellationToken).Symbol;
        var type = symbol as INamedTypeSymbol ?? (symbol is INamespaceSymbol ? null : scoped.Model.GetTypeInfo(receiver.Expression, cancellationToken).Type);
        return type is { TypeKind: not TypeKind.Error } ? type : null;
    }

    public static SectionDraft? Build(ScopedModel scoped, ReceiverAt receiver, AnalysisOptions options, CancellationToken cancellationToken)
    {
        if (!scoped.Covers(receiver.Expression))
        {
            return null;
        }

        var model = scoped.Model;
        var symbol = model.GetSymbolInfo(receiver.Expression, cancellationToken) switch
        {
            { Symbol: { } s } => s,
            { CandidateSymbols: [var first, ..] } => first,
            _ => null,
        };
        var receiverText = Shorten(receiver.Expression.ToString());

        if (symbol is INamespaceSymbol ns)
        {
            var names = ns.GetMembers().Where(m => m.CanBeReferencedByName).OrderBy(m => m.Name, StringComparer.Ordinal).ToList();
            var items = names.Select((m, i) => new ContextItem(
                m is INamedTypeSymbol t ? "    " + SymbolSignatures.TypeHeader(t) : "    namespace " + m.ToDisplayString(),
                Matches(m.Name, receiver.Partial) ? 0 : 1,
                i) { Weight = Matches(m.Name, receiver.Partial) ? 99 : 95 - 0.05 * i }).ToList();
            return items.Count == 0 ? null : new SectionDraft(SectionName, $"Namespace {ns.ToDisplayString()} contains:", items);
        }

        // A type name before the dot means static access (Math.Max); anything else is an instance.
        var isType = symbol is INamedTypeSymbol;
        var type = isType ? (INamedTypeSymbol)symbol! : model.GetTypeInfo(receiver.Expression, cancellationToken).Type;
        if (type is null || type.TypeKind == TypeKind.Error)
        {
            return null;
        }

        // Members depend on the type, static or not, and where they are looked up from (accessibility,
        // imported extensions): the same for every keystroke against one compilation.
        var within = model.GetEnclosingSymbol(receiver.DotPosition, cancellationToken)?.ContainingType;
        var key = $"{type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat)}|{isType}|{within?.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat)}";
        var lines = s_lists.GetOrCreateValue(model.Compilation).GetOrAdd(key, _ => MemberLines(model, receiver.DotPosition, type, isType, options, cancellationToken));
        if (lines.Count == 0)
        {
            return null;
        }

        var draftItems = lines.Select(l =>
        {
            var matches = l.Name is not null && Matches(l.Name, receiver.Partial);
            return new ContextItem(l.Text, matches ? 0 : l.Priority, l.Order) { Weight = matches ? 99 : 96 - 0.05 * l.Order - 0.5 * Math.Min(l.Priority, 40) };
        }).ToList();
        var what = isType ? "static members" : "members";
        var header = type is INamedTypeSymbol n ? SymbolSignatures.TypeHeader(n) : SymbolSignatures.QualifiedTypeName(type);
        return new SectionDraft(SectionName, $"`{receiverText}` is {header}; its {what}:", draftItems);
    }

    /// <summary>The type's own members in declaration order, then inherited ones, then extension methods, each with its base priority.</summary>
    private static List<MemberLine> MemberLines(SemanticModel model, int position, ITypeSymbol type, bool isType, AnalysisOptions options, CancellationToken cancellationToken)
    {
        var members = model.LookupSymbols(position, type, includeReducedExtensionMethods: !isType)
            .Where(m => IsListed(m, isType))
            .ToList();
        if (type is ITypeParameterSymbol or { TypeKind: TypeKind.Interface })
        {
            members = [.. members.Where(m => m.ContainingType?.SpecialType != SpecialType.System_Object)];
        }

        var lines = new List<MemberLine>();
        if (type is INamedTypeSymbol named && SymbolSignatures.Summary(named, options.MaxSummaryChars, cancellationToken) is { } typeSummary)
        {
            lines.Add(new MemberLine("    /// " + typeSummary, null, 2, 0));
        }

        var order = 1;
        foreach (var group in members
            .GroupBy(m => Rank(m, type))
            .OrderBy(g => g.Key))
        {
            var ordered = group.Key == 0
                ? group.OrderBy(SourceOrder).ThenBy(m => m.Name, StringComparer.Ordinal).ThenBy(SymbolSignatures.Member, StringComparer.Ordinal)
                : group.OrderBy(m => m.Name, StringComparer.Ordinal).ThenBy(SymbolSignatures.Member, StringComparer.Ordinal);
            foreach (var byName in ordered.GroupBy(m => m.Name))
            {
                var overloads = byName.ToList();
                var shown = group.Key >= ExtensionRank ? 1 : options.MaxOverloads;
                for (var i = 0; i < Math.Min(shown, overloads.Count); i++)
                {
                    var member = overloads[i];
                    var line = "    " + SymbolSignatures.Member(member);
                    if (i == shown - 1 && overloads.Count > shown)
                    {
                        line += $" (+{overloads.Count - shown} overloads)";
                    }

                    if (group.Key < ExtensionRank && i == 0 && SymbolSignatures.Summary(member, options.MaxSummaryChars, cancellationToken) is { } summary)
                    {
                        line += " // " + summary;
                    }

                    lines.Add(new MemberLine(line, member.Name, 1 + group.Key + i, order++));
                }
            }
        }

        return lines;
    }

    private static readonly ConditionalWeakTable<Compilation, ConcurrentDictionary<string, List<MemberLine>>> s_lists = new();

    private sealed record MemberLine(string Text, string? Name, int Priority, int Order);

    private const int ExtensionRank = 50;

    /// <summary>0 = declared on the type itself, 1.. = inherited (by depth), <see cref="ExtensionRank"/> = extension methods.</summary>
    private static int Rank(ISymbol member, ITypeSymbol type)
    {
        if (member is IMethodSymbol { MethodKind: MethodKind.ReducedExtension })
        {
            return ExtensionRank;
        }

        var depth = 0;
        for (var t = type; t is not null; t = t.BaseType, depth++)
        {
            if (SymbolEqualityComparer.Default.Equals(member.ContainingType?.OriginalDefinition, t.OriginalDefinition))
            {
                return depth;
            }
        }

        return ExtensionRank - 1;
    }

    private static int SourceOrder(ISymbol member) =>
        member.Locations.FirstOrDefault(l => l.IsInSource) is { } location ? location.SourceSpan.Start : int.MaxValue;

    private static bool IsListed(ISymbol member, bool staticOnly)
    {
        if (member.IsImplicitlyDeclared || !member.CanBeReferencedByName || member.ContainingType?.SpecialType is SpecialType.System_Object or SpecialType.System_ValueType or SpecialType.System_Enum)
        {
            return false;
        }

        var isStatic = member.IsStatic && member is not IMethodSymbol { MethodKind: MethodKind.ReducedExtension };
        if (staticOnly != (isStatic || member is INamedTypeSymbol || member is IFieldSymbol { IsConst: true }))
        {
            return false;
        }

        return member switch
        {
            IMethodSymbol m => m.MethodKind is MethodKind.Ordinary or MethodKind.ReducedExtension && !IsHidden(m),
            IPropertySymbol p => !p.IsIndexer && !IsHidden(p),
            IFieldSymbol or IEventSymbol => !IsHidden(member),
            INamedTypeSymbol => staticOnly,
            _ => false,
        };
    }

    /// <summary>[EditorBrowsable(Never)] members are hidden from IntelliSense; hide them here too.</summary>
    private static bool IsHidden(ISymbol member) =>
        member.GetAttributes().Any(a => a.AttributeClass?.Name == "EditorBrowsableAttribute"
            && a.ConstructorArguments is [{ Value: int state }] && state == 1);

    private static bool Matches(string name, string partial) =>
        partial.Length > 0 && name.StartsWith(partial, StringComparison.OrdinalIgnoreCase);

    private static string Shorten(string expression)
    {
        var collapsed = string.Join(' ', expression.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return collapsed.Length <= 60 ? collapsed : collapsed[..57] + "...";
    }
}
