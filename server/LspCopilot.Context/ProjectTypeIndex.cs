using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace LspCopilot.Context;

/// <summary>
/// Which of the project's types sibling code uses together with the types of a file: for each source type,
/// the files that name it (from their identifiers, syntax only), and a ranking of the types a file does not
/// declare by how often they share a file with the types this file names — the static helper and constants
/// classes and enums of the project first. Built once per version of the project's declarations
/// (<see cref="DeclarationStamp"/>: edits inside method bodies keep it), from identifier sets kept per syntax
/// tree (a tree unchanged between compilations is not read again); the ranking of a file is kept with it.
/// </summary>
public sealed class ProjectTypeIndex
{
    private static readonly ConditionalWeakTable<object, ProjectTypeIndex> s_indexes = new();
    private static readonly ConditionalWeakTable<SyntaxTree, HashSet<string>> s_identifiers = new();

    private readonly Dictionary<string, List<INamedTypeSymbol>> _types;
    private readonly List<(SyntaxTree Tree, HashSet<string> Names)> _files;
    private readonly ConcurrentDictionary<string, IReadOnlyList<(INamedTypeSymbol Type, double Score)>> _rankings = new(StringComparer.Ordinal);

    private ProjectTypeIndex(Compilation compilation, CancellationToken cancellationToken)
    {
        _types = new Dictionary<string, List<INamedTypeSymbol>>(StringComparer.Ordinal);
        foreach (var type in SourceTypes(compilation.Assembly.GlobalNamespace, cancellationToken))
        {
            if (!_types.TryGetValue(type.Name, out var list))
            {
                _types[type.Name] = list = [];
            }

            list.Add(type);
        }

        _files = [.. compilation.SyntaxTrees.Select(t => (t, s_identifiers.GetValue(t, Identifiers)))];
    }

    public static ProjectTypeIndex For(Compilation compilation, CancellationToken cancellationToken)
    {
        var stamp = DeclarationStamp.For(compilation);
        if (s_indexes.TryGetValue(stamp, out var known))
        {
            return known;
        }

        var index = new ProjectTypeIndex(compilation, cancellationToken);
        return s_indexes.GetValue(stamp, _ => index);
    }

    /// <summary>
    /// The project's types that code in other files uses with the types <paramref name="path"/> names, most
    /// shared first; the file's own types left out. Score: over the other files naming the type, how many of
    /// this file's type names each also names (helper, constants and enum types count half again).
    /// </summary>
    public IReadOnlyList<(INamedTypeSymbol Type, double Score)> LikelyFor(string path, int count) =>
        _rankings.GetOrAdd(count + "|" + path, _ => Rank(path, count));

    private IReadOnlyList<(INamedTypeSymbol Type, double Score)> Rank(string path, int count)
    {
        var own = _files.FirstOrDefault(f => f.Tree.FilePath == path);
        if (own.Tree is null)
        {
            return [];
        }

        // Names only until the best few are known: symbols' members are built lazily, and a new compilation has built none.
        var here = own.Names.Where(_types.ContainsKey).ToList();
        var scores = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (tree, names) in _files)
        {
            if (tree.FilePath == path)
            {
                continue;
            }

            var shared = 0;
            foreach (var name in here)
            {
                shared += names.Contains(name) ? 1 : 0;
            }

            if (shared == 0)
            {
                continue;
            }

            foreach (var name in names)
            {
                if (_types.ContainsKey(name))
                {
                    scores[name] = scores.GetValueOrDefault(name) + shared;
                }
            }
        }

        return [.. scores
            .OrderByDescending(s => s.Value)
            .ThenBy(s => s.Key, StringComparer.Ordinal)
            .Take(count * 3)
            .SelectMany(s => _types[s.Key].Where(t => !t.DeclaringSyntaxReferences.Any(r => r.SyntaxTree.FilePath == path)).Select(t => (Type: t, Score: s.Value * (IsHelper(t) ? 1.5 : 1))))
            .OrderByDescending(s => s.Score)
            .ThenBy(s => s.Type.Name, StringComparer.Ordinal)
            .Take(count)];
    }

    /// <summary>Static classes, enums, and classes of constants: used by name, never through an instance the window shows.</summary>
    public static bool IsHelper(INamedTypeSymbol type) =>
        type.IsStatic || type.TypeKind == TypeKind.Enum
        || type.TypeKind is TypeKind.Class or TypeKind.Struct && type.GetMembers().Where(m => !m.IsImplicitlyDeclared && m is IFieldSymbol or IPropertySymbol or IMethodSymbol { MethodKind: MethodKind.Ordinary }).All(m => m.IsStatic);

    private static IEnumerable<INamedTypeSymbol> SourceTypes(INamespaceSymbol ns, CancellationToken cancellationToken)
    {
        foreach (var member in ns.GetMembers())
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (member is INamespaceSymbol child)
            {
                foreach (var type in SourceTypes(child, cancellationToken))
                {
                    yield return type;
                }
            }
            else if (member is INamedTypeSymbol type && type.Locations.Any(l => l.IsInSource))
            {
                yield return type;
                foreach (var nested in type.GetTypeMembers().Where(n => n.DeclaredAccessibility is not Accessibility.Private))
                {
                    yield return nested;
                }
            }
        }
    }

    private static HashSet<string> Identifiers(SyntaxTree tree)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var token in tree.GetRoot().DescendantTokens())
        {
            if (token.IsKind(SyntaxKind.IdentifierToken))
            {
                names.Add(token.ValueText);
            }
        }

        return names;
    }
}
