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

    private static readonly ConditionalWeakTable<Compilation, Index> s_indexes = new();

    public static SectionDraft? Build(IReadOnlyList<(INamedTypeSymbol Type, double Weight)> inPlay, INamedTypeSymbol? enclosingType, Compilation compilation, CancellationToken cancellationToken)
    {
        var index = s_indexes.GetValue(compilation, c => new Index(c, cancellationToken));
        if (index.Methods.Count == 0)
        {
            return null;
        }

        var weights = new Dictionary<IMethodSymbol, double>(SymbolEqualityComparer.Default);
        IEnumerable<(INamedTypeSymbol Type, double Weight)> receivers = inPlay.Take(MaxTypes);
        if (enclosingType is not null)
        {
            receivers = receivers.Append((enclosingType, 60));
        }

        foreach (var (type, weight) in receivers)
        {
            foreach (var method in index.For(type))
            {
                weights[method] = Math.Max(weights.GetValueOrDefault(method), weight - 4);
            }
        }

        var items = weights
            .OrderByDescending(w => w.Value)
            .ThenBy(w => w.Key.Name, StringComparer.Ordinal)
            .Select((w, i) => new ContextItem($"{w.Key.ContainingType.Name}: {SymbolSignatures.Member(w.Key)}", i, i)
            {
                Weight = w.Value,
                Key = w.Key.GetDocumentationCommentId(),
                Name = w.Key.Name,
            })
            .ToList();
        return items.Count == 0 ? null : new SectionDraft(SectionName, "Extension methods for these types:", items);
    }

    /// <summary>The project's extension methods, and which of them each receiver type accepts.</summary>
    private sealed class Index(Compilation compilation, CancellationToken cancellationToken)
    {
        private readonly ConcurrentDictionary<ITypeSymbol, IReadOnlyList<IMethodSymbol>> _byReceiver = new(SymbolEqualityComparer.Default);

        public IReadOnlyList<IMethodSymbol> Methods { get; } = [.. compilation.GetSymbolsWithName(_ => true, SymbolFilter.Type, cancellationToken)
            .OfType<INamedTypeSymbol>()
            .Where(t => t.IsStatic && t.MightContainExtensionMethods)
            .SelectMany(t => t.GetMembers().OfType<IMethodSymbol>())
            .Where(m => m.IsExtensionMethod && m.DeclaredAccessibility is Accessibility.Public or Accessibility.Internal)];

        public IReadOnlyList<IMethodSymbol> For(ITypeSymbol receiver) =>
            _byReceiver.GetOrAdd(receiver, r => [.. Methods.Where(m => m.ReduceExtensionMethod(r) is not null)]);
    }
}
