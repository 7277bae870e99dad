using System.Text;
using Microsoft.CodeAnalysis.Text;

namespace LspCopilot.Completion;

/// <summary>A chunk of lines the user recently edited or opened, with the identifiers it holds.</summary>
public sealed record RecentChunk(string Uri, int StartLine, int EndLine, string Text, IReadOnlySet<string> Identifiers)
{
    /// <summary>The LSP language id of the chunk's document (empty: not known, matches any).</summary>
    public string LanguageId { get; init; } = string.Empty;
}

/// <summary>
/// A small ring of the code the user recently edited and opened (like the similar-snippet rings of llama.vscode,
/// Continue and Tabby): chunks of <see cref="ChunkLines"/> lines around each edit and at the head of each opened
/// document, at most <see cref="Capacity"/>, the oldest evicted first. At a cursor, the chunks whose identifiers most
/// resemble the lines just before it (Jaccard similarity of identifier sets) go into the context after the semantic
/// sections, for every language. Fed by the session's document changes (<see cref="OnDocumentChanged"/>); thread-safe.
/// </summary>
public sealed class RecentSnippets
{
    public const int ChunkLines = 16;
    public const int Capacity = 16;

    /// <summary>The section's name in the context and in <c>context --json</c>.</summary>
    public const string SectionName = "recent";

    /// <summary>Chunks less similar than this to the cursor's lines are not worth their tokens.</summary>
    public const double MinSimilarity = 0.1;

    private readonly object _lock = new();
    private readonly LinkedList<RecentChunk> _chunks = new();
    private readonly Dictionary<string, SourceText> _lastText = new(StringComparer.Ordinal);

    /// <summary>The chunks, newest first (for tests and reports).</summary>
    public IReadOnlyList<RecentChunk> Chunks
    {
        get
        {
            lock (_lock)
            {
                return [.. _chunks];
            }
        }
    }

    /// <summary>
    /// A document opened (its head is remembered), changed (the lines around the first changed place are remembered,
    /// replacing an older chunk of the same place), or closed (null: its chunks stay, they are recently viewed code).
    /// </summary>
    public void OnDocumentChanged(string uri, DocumentSnapshot? snapshot)
    {
        lock (_lock)
        {
            if (snapshot is null)
            {
                _lastText.Remove(uri);
                return;
            }

            var text = snapshot.Text;
            if (!_lastText.TryGetValue(uri, out var previous))
            {
                _lastText[uri] = text;
                Add(ChunkAt(uri, text, 0) is { } head ? head with { LanguageId = snapshot.LanguageId ?? string.Empty } : null);
                return;
            }

            _lastText[uri] = text;
            if (ChangedPosition(previous, text) is int position)
            {
                var line = text.Lines.GetLineFromPosition(Math.Min(position, text.Length)).LineNumber;
                Add(ChunkAt(uri, text, Math.Max(0, line - ChunkLines / 2)) is { } chunk ? chunk with { LanguageId = snapshot.LanguageId ?? string.Empty } : null);
            }
        }
    }

    /// <summary>
    /// The chunks most similar to <paramref name="query"/> (the lines before the cursor), best first, leaving out those
    /// whose text the document already shows near the cursor (<paramref name="window"/>: the prefix and suffix windows):
    /// a chunk at least half of whose lines the window holds adds nothing (an earlier state of the lines being typed, or
    /// a copy of this file open under another name). With <paramref name="languageId"/>, only chunks of the same language
    /// family (<see cref="Languages.LanguageTable.Family"/>) count: Python lines teach a Go suggestion nothing.
    /// </summary>
    public IReadOnlyList<RecentChunk> Similar(string query, string uri, string window, int max, string? languageId = null)
    {
        var wanted = Identifiers(query);
        if (wanted.Count == 0 || max <= 0)
        {
            return [];
        }

        RecentChunk[] chunks;
        lock (_lock)
        {
            chunks = [.. _chunks];
        }

        // The window's lines once per request (this runs on every keystroke), not once per chunk.
        var shown = window.Split('\n').Select(l => l.Trim()).ToHashSet(StringComparer.Ordinal);
        return [.. chunks
            .Select((chunk, age) => (Chunk: chunk, Age: age, Score: Jaccard(wanted, chunk.Identifiers)))
            .Where(c => c.Score >= MinSimilarity && Languages.LanguageTable.SameFamily(languageId, c.Chunk.LanguageId) && !(c.Chunk.Uri == uri && window.Contains(c.Chunk.Text.Trim(), StringComparison.Ordinal)) && !MostlyShown(c.Chunk, shown))
            .OrderByDescending(c => c.Score)
            .ThenBy(c => c.Age)
            .Take(max)
            .Select(c => c.Chunk)];
    }

    /// <summary>The identifiers of a text: runs of letters, digits and underscores that start with a letter or underscore.</summary>
    /// <summary>
    /// True when at least half of the chunk's lines that say something (with a letter or digit: not a lone brace)
    /// appear, trimmed, among the window's trimmed lines (<paramref name="shown"/>).
    /// </summary>
    internal static bool MostlyShown(RecentChunk chunk, IReadOnlySet<string> shown)
    {
        var lines = chunk.Text.Split('\n').Select(l => l.Trim()).Where(l => l.Any(char.IsLetterOrDigit)).ToList();
        if (lines.Count == 0)
        {
            return true;
        }

        return lines.Count(shown.Contains) * 2 >= lines.Count;
    }

    public static HashSet<string> Identifiers(string text)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        var start = -1;
        for (var i = 0; i <= text.Length; i++)
        {
            var c = i < text.Length ? text[i] : ' ';
            if (char.IsLetterOrDigit(c) || c == '_')
            {
                if (start < 0 && !char.IsDigit(c))
                {
                    start = i;
                }
            }
            else if (start >= 0)
            {
                set.Add(text[start..i]);
                start = -1;
            }
        }

        return set;
    }

    public static double Jaccard(IReadOnlySet<string> a, IReadOnlySet<string> b)
    {
        if (a.Count == 0 || b.Count == 0)
        {
            return 0;
        }

        var common = a.Count(b.Contains);
        return (double)common / (a.Count + b.Count - common);
    }

    private void Add(RecentChunk? chunk)
    {
        if (chunk is null)
        {
            return;
        }

        // Typing in one place keeps one chunk of it, the newest.
        for (var node = _chunks.First; node is not null;)
        {
            var next = node.Next;
            if (node.Value.Uri == chunk.Uri && node.Value.StartLine <= chunk.EndLine && chunk.StartLine <= node.Value.EndLine)
            {
                _chunks.Remove(node);
            }

            node = next;
        }

        _chunks.AddFirst(chunk);
        while (_chunks.Count > Capacity)
        {
            _chunks.RemoveLast();
        }
    }

    /// <summary>The chunk of lines from <paramref name="startLine"/>; null when it holds no identifier.</summary>
    private static RecentChunk? ChunkAt(string uri, SourceText text, int startLine)
    {
        var lines = text.Lines;
        if (lines.Count == 0)
        {
            return null;
        }

        var first = Math.Min(startLine, lines.Count - 1);
        var last = Math.Min(lines.Count - 1, first + ChunkLines - 1);
        var sb = new StringBuilder();
        for (var i = first; i <= last; i++)
        {
            sb.Append(lines[i].ToString()).Append('\n');
        }

        var chunkText = sb.ToString();
        var identifiers = Identifiers(chunkText);
        return identifiers.Count == 0 ? null : new RecentChunk(uri, first, last, chunkText, identifiers);
    }

    /// <summary>Where <paramref name="text"/> first differs from <paramref name="previous"/>: from Roslyn's change ranges when one derives from the other, else by comparing.</summary>
    private static int? ChangedPosition(SourceText previous, SourceText text)
    {
        if (ReferenceEquals(previous, text))
        {
            return null;
        }

        var ranges = text.GetChangeRanges(previous);
        if (ranges.Count > 0 && !(ranges.Count == 1 && ranges[0].Span.Start == 0 && ranges[0].Span.Length == previous.Length && previous.Length > 0 && ranges[0].NewLength == text.Length))
        {
            return ranges[0].Span.Start;
        }

        var length = Math.Min(previous.Length, text.Length);
        for (var i = 0; i < length; i++)
        {
            if (previous[i] != text[i])
            {
                return i;
            }
        }

        return previous.Length == text.Length ? null : length;
    }
}
