using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace LspCopilot.Context;

/// <summary>
/// One object per version of a project's declarations: compilations whose trees declare the same things —
/// every token outside method, accessor and local-function bodies equal, the same references — share it,
/// however their bodies differ. What depends on declarations alone (the cards of types, the project's type
/// index, extension matches) is kept per stamp, so neither typing inside a body nor moving to another file
/// (each a new compilation) makes them again, and a brace typed and balanced again comes back to the same
/// version. A tree's declaration hash is computed once per syntax tree (unchanged files keep their tree).
/// </summary>
public static class DeclarationStamp
{
    /// <summary>Versions remembered before the table starts over (each keeps its caches alive).</summary>
    private const int MaxVersions = 32;

    private static readonly ConditionalWeakTable<Compilation, object> s_stamps = new();
    private static readonly ConditionalWeakTable<SyntaxTree, StrongBox<ulong>> s_treeHashes = new();
    private static readonly ConcurrentDictionary<(string Assembly, ulong Declarations), object> s_versions = new();

    public static object For(Compilation compilation)
    {
        if (s_stamps.TryGetValue(compilation, out var known))
        {
            return known;
        }

        var hash = Offset;
        foreach (var tree in compilation.SyntaxTrees)
        {
            hash = Mix(hash, tree.FilePath);
            hash = Mix(hash, s_treeHashes.GetValue(tree, t => new StrongBox<ulong>(DeclarationsOf(t))).Value);
        }

        foreach (var reference in compilation.References)
        {
            hash = Mix(hash, reference.Display ?? string.Empty);
        }

        if (s_versions.Count >= MaxVersions)
        {
            s_versions.Clear();
        }

        var stamp = s_versions.GetOrAdd((compilation.AssemblyName ?? string.Empty, hash), _ => new object());
        return s_stamps.GetValue(compilation, _ => stamp);
    }

    /// <summary>A hash of the tree's tokens outside bodies: what other code can bind to and what a card shows.</summary>
    private static ulong DeclarationsOf(SyntaxTree tree)
    {
        var hash = Offset;
        foreach (var token in tree.GetRoot().DescendantTokens(node => !IsBody(node)))
        {
            hash = Mix(hash, (ulong)token.RawKind);
            hash = Mix(hash, token.Text);
        }

        return hash;
    }

    private static bool IsBody(SyntaxNode node) => node switch
    {
        BlockSyntax { Parent: BaseMethodDeclarationSyntax or AccessorDeclarationSyntax or LocalFunctionStatementSyntax } => true,
        ArrowExpressionClauseSyntax { Parent: BaseMethodDeclarationSyntax or AccessorDeclarationSyntax or LocalFunctionStatementSyntax or PropertyDeclarationSyntax or IndexerDeclarationSyntax } => true,
        _ => false,
    };

    private const ulong Offset = 14695981039346656037;
    private const ulong Prime = 1099511628211;

    private static ulong Mix(ulong hash, ulong value) => (hash ^ value) * Prime;

    private static ulong Mix(ulong hash, string text)
    {
        foreach (var c in text)
        {
            hash = (hash ^ c) * Prime;
        }

        return (hash ^ 0xFF) * Prime;
    }
}
