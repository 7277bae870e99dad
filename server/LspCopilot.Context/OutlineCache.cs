using System.Collections.Concurrent;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using Microsoft.CodeAnalysis;

namespace LspCopilot.Context;

/// <summary>
/// Remembers the last outline per document. The outline leaves out the member holding the cursor, so
/// while the edits since then stay inside that member it is the same outline: typing in a method of a
/// 5,000-line class does not re-render a signature per member per keystroke.
/// </summary>
public sealed class OutlineCache
{
    private readonly ConcurrentDictionary<DocumentId, Entry> _entries = new();

    public SectionDraft? Get(DocumentId id, SourceText text, SyntaxNode root, int offset, Compilation? compilation, CancellationToken cancellationToken)
    {
        if (_entries.TryGetValue(id, out var entry) && IsStillValid(entry, text, offset))
        {
            return entry.Draft;
        }

        var draft = TypeOutline.Build(root, offset, compilation, cancellationToken);
        var type = TypeOutline.EnclosingType(root, offset);
        if (type is not null && !type.Modifiers.Any(SyntaxKind.PartialKeyword) && TypeOutline.CursorMember(type, offset) is { } member)
        {
            _entries[id] = new Entry(text, member.FullSpan, draft);
        }
        else
        {
            _entries.TryRemove(id, out _);
        }

        return draft;
    }

    public void Forget(DocumentId id) => _entries.TryRemove(id, out _);

    /// <summary>Every change since the cached text lies strictly inside the cursor's member, and the cursor is still in it.</summary>
    private static bool IsStillValid(Entry entry, SourceText text, int offset)
    {
        if (ReferenceEquals(entry.Text, text))
        {
            return entry.Member.Contains(offset);
        }

        // TextDiff, not the text's own chain of edits: that chain is cut now and then (see DocumentStore).
        var changes = TextDiff.Changes(entry.Text, text);
        if (changes.Count == 0 || !changes.All(c => c.Span.Start > entry.Member.Start && c.Span.End < entry.Member.End))
        {
            return false;
        }

        var delta = changes.Sum(c => c.NewLength - c.Span.Length);
        return offset > entry.Member.Start && offset < entry.Member.End + delta;
    }

    private sealed record Entry(SourceText Text, TextSpan Member, SectionDraft? Draft);
}
