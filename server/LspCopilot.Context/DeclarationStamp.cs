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
    /// <summary>Compilations kept per project to compare with: the last one of each of its most recent stamps.</summary>
    private const int RecentStamps = 4;

    private static readonly ConditionalWeakTable<Compilation, object> s_stamps = new();
    private static readonly ConcurrentDictionary<string, List<(WeakReference<Compilation> Last, object Stamp)>> s_recent = new(StringComparer.Ordinal);

    public static object For(Compilation compilation)
    {
        if (s_stamps.TryGetValue(compilation, out var known))
        {
            return known;
        }

        // Several recent versions, not only the last: a body with an unbalanced brace while typing changes the
        // declarations for a few keystrokes, and balancing it again comes back to the version before.
        var recent = s_recent.GetOrAdd(compilation.AssemblyName ?? string.Empty, _ => []);
        lock (recent)
        {
            object? stamp = null;
            for (var i = recent.Count - 1; i >= 0 && stamp is null; i--)
            {
                if (recent[i].Last.TryGetTarget(out var previous) && OnlyBodiesDiffer(previous, compilation))
                {
                    stamp = recent[i].Stamp;
                }
            }

            stamp = s_stamps.GetValue(compilation, _ => stamp ?? new object());
            recent.RemoveAll(r => ReferenceEquals(r.Stamp, stamp) || !r.Last.TryGetTarget(out _));
            recent.Add((new WeakReference<Compilation>(compilation), stamp));
            if (recent.Count > RecentStamps)
            {
                recent.RemoveAt(0);
            }

            return stamp;
        }
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
