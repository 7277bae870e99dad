using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;

namespace LspCopilot.Context;

/// <summary>
/// One object per version of a project's declarations: a compilation that differs from the project's previous
/// one only inside method and accessor bodies (<see cref="SemanticModelReuse.OnlyBodiesChanged"/>) — the same
/// trees elsewhere, the same references — gets the previous one's stamp. What depends on declarations alone
/// (the cards of types, the project's type index) is kept per stamp, so moving to another file, which makes a
/// new compilation, does not make them again.
/// </summary>
public static class DeclarationStamp
{
    private static readonly ConditionalWeakTable<Compilation, object> s_stamps = new();
    private static readonly ConcurrentDictionary<string, (WeakReference<Compilation> Last, object Stamp)> s_last = new(StringComparer.Ordinal);

    public static object For(Compilation compilation)
    {
        if (s_stamps.TryGetValue(compilation, out var known))
        {
            return known;
        }

        var name = compilation.AssemblyName ?? string.Empty;
        var stamp = s_last.TryGetValue(name, out var last) && last.Last.TryGetTarget(out var previous) && s_stamps.TryGetValue(previous, out var previousStamp)
            && OnlyBodiesDiffer(previous, compilation)
            ? previousStamp
            : new object();
        stamp = s_stamps.GetValue(compilation, _ => stamp);
        s_last[name] = (new WeakReference<Compilation>(compilation), stamp);
        return stamp;
    }

    private static bool OnlyBodiesDiffer(Compilation before, Compilation after)
    {
        if (before.SyntaxTrees.Count() != after.SyntaxTrees.Count() || !before.References.SequenceEqual(after.References) || before.Options != after.Options)
        {
            return false;
        }

        foreach (var (old, now) in before.SyntaxTrees.Zip(after.SyntaxTrees))
        {
            if (ReferenceEquals(old, now))
            {
                continue;
            }

            if (old.FilePath != now.FilePath || old.Options != now.Options)
            {
                return false;
            }

            var changes = TextDiff.Changes(old.GetText(), now.GetText());
            if (changes.Count > 0 && !SemanticModelReuse.OnlyBodiesChanged(old.GetRoot(), now.GetRoot(), changes))
            {
                return false;
            }
        }

        return true;
    }
}
