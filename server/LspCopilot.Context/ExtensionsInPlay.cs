using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;

namespace LspCopilot.Context;

/// <summary>
/// The user's extension methods whose receiver accepts a type in play (<see cref="TypesInPlay"/>), framework
/// types included (<c>this IEnumerable&lt;Money&gt;</c> matches a <c>List&lt;Money&gt;</c> local). The project's
/// extension methods are listed once per compilation and matched once per type.
/// </summary>
public static class ExtensionsInPlay
{
    public const string SectionName = "extensions";

    private const int MaxTypes = 16;

    private static readonly ConditionalWeakTable<object, Index> s_indexes = new();

    public static SectionDraft? Build(IReadOnlyList<(INamedTypeSymbol Type, double Weight)> inPlay, INamedTypeSymbol? enclosingType, Compilation compilation, CancellationToken cancellationToken)
    {
        var index = s_indexes.GetValue(DeclarationStamp.For(compilation), _ => new Index(compilation, cancellationToken));
        if (index.MethodIds.Count == 0)
        {
            return null;
        }

        var weights = new Dictionary<string, (ExtensionLine Line, double Weight)>(StringComparer.Ordinal);
        IEnumerable<(INamedTypeSymbol Type, double Weight)> receivers = inPlay.Take(MaxTypes);
        if (enclosingType is not null)
        {
            receivers = receivers.Append((enclosingType, 60));
        }

        foreach (var (type, weight) in receivers)
        {
            foreach (var line in index.For(type, compilation))
            {
                // Above the cards: the line says the method applies to a value at hand.
                if (!weights.TryGetValue(line.Key, out var known) || known.Weight < weight + 6)
                {
                    weights[line.Key] = (line, weight + 6);
                }
            }
        }

        var items = weights.Values
            .OrderByDescending(w => w.Weight)
            .ThenBy(w => w.Line.Name, StringComparer.Ordinal)
            .Select((w, i) => new ContextItem(w.Line.Text, i, i) { Weight = w.Weight, Key = w.Line.Key, Name = w.Line.Name })
            .ToList();
        return items.Count == 0 ? null : new SectionDraft(SectionName, "Extension methods for these types:", items);
    }

    private sealed record ExtensionLine(string Text, string Key, string Name);

    /// <summary>
    /// The project's extension methods (their ids, per version of its declarations: <see cref="DeclarationStamp"/>),
    /// and the lines of those each receiver type accepts, matched in the compilation at hand once per receiver.
    /// </summary>
    private sealed class Index(Compilation compilation, CancellationToken cancellationToken)
    {
        private readonly ConcurrentDictionary<string, IReadOnlyList<ExtensionLine>> _byReceiver = new(StringComparer.Ordinal);

        public IReadOnlyList<string> MethodIds { get; } = [.. compilation.GetSymbolsWithName(_ => true, SymbolFilter.Type, cancellationToken)
            .OfType<INamedTypeSymbol>()
            .Where(t => t.IsStatic && t.MightContainExtensionMethods)
            .SelectMany(t => t.GetMembers().OfType<IMethodSymbol>())
            .Where(m => m.IsExtensionMethod && m.DeclaredAccessibility is Accessibility.Public or Accessibility.Internal)
            .Select(m => m.GetDocumentationCommentId())
            .OfType<string>()];

        public IReadOnlyList<ExtensionLine> For(ITypeSymbol receiver, Compilation current) =>
            _byReceiver.GetOrAdd(receiver is INamedTypeSymbol { IsGenericType: false } ? TypeCards.IdOf(receiver) : receiver.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat), _ => [.. MethodIds
                .Select(id => DocumentationCommentId.GetFirstSymbolForDeclarationId(id, current))
                .OfType<IMethodSymbol>()
                .Where(m => m.ReduceExtensionMethod(receiver) is not null)
                .Select(m => new ExtensionLine($"{m.ContainingType.Name}: {SymbolSignatures.Member(m)}", m.GetDocumentationCommentId()!, m.Name))]);
    }
}
