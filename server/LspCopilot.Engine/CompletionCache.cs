using LspCopilot.Completion;

namespace LspCopilot.Engine;

/// <summary>
/// An LRU of finished completions keyed by (model, settings, mode, context, suffix, prefix). A request
/// whose prefix is a cached prefix plus exactly the next characters of that suggestion — the user is
/// typing through the ghost text — gets the rest of the suggestion without touching the engine.
/// </summary>
public sealed class CompletionCache(int capacity)
{
    private readonly object _lock = new();
    private readonly LinkedList<Entry> _order = new();
    private readonly Dictionary<string, List<LinkedListNode<Entry>>> _bySurroundings = new(StringComparer.Ordinal);

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _order.Count;
            }
        }
    }

    public void Add(string model, CompletionRequest request, string text)
    {
        if (capacity <= 0 || text.Length == 0)
        {
            return;
        }

        var key = SurroundingsKey(model, request);
        lock (_lock)
        {
            if (!_bySurroundings.TryGetValue(key, out var bucket))
            {
                _bySurroundings[key] = bucket = [];
            }

            var existing = bucket.FindIndex(n => n.Value.Prefix == request.Prefix);
            if (existing >= 0)
            {
                _order.Remove(bucket[existing]);
                bucket.RemoveAt(existing);
            }

            var node = _order.AddFirst(new Entry(key, request.Prefix, text));
            bucket.Add(node);
            while (_order.Count > capacity)
            {
                Evict(_order.Last!);
            }
        }
    }

    /// <summary>The text still to insert for this request, if a cached suggestion covers it.</summary>
    public string? Find(string model, CompletionRequest request)
    {
        var key = SurroundingsKey(model, request);
        lock (_lock)
        {
            if (!_bySurroundings.TryGetValue(key, out var bucket))
            {
                return null;
            }

            var prefix = request.Prefix;
            foreach (var node in bucket)
            {
                var entry = node.Value;
                var typed = prefix.Length - entry.Prefix.Length;
                if (typed < 0 || typed >= entry.Text.Length)
                {
                    continue;
                }

                if (string.CompareOrdinal(prefix, entry.Prefix.Length, entry.Text, 0, typed) == 0 &&
                    string.CompareOrdinal(prefix, 0, entry.Prefix, 0, entry.Prefix.Length) == 0)
                {
                    _order.Remove(node);
                    _order.AddFirst(node);
                    return entry.Text[typed..];
                }
            }

            return null;
        }
    }

    public void Clear()
    {
        lock (_lock)
        {
            _order.Clear();
            _bySurroundings.Clear();
        }
    }

    private void Evict(LinkedListNode<Entry> node)
    {
        _order.Remove(node);
        if (_bySurroundings.TryGetValue(node.Value.Key, out var bucket))
        {
            bucket.Remove(node);
            if (bucket.Count == 0)
            {
                _bySurroundings.Remove(node.Value.Key);
            }
        }
    }

    private static string SurroundingsKey(string model, CompletionRequest request)
    {
        var g = request.Generation;
        return string.Join('\u0001', model, request.Mode, Settings(g), request.Context ?? string.Empty, request.Suffix);
    }

    private static string Settings(GenerationOptions g) =>
        FormattableString.Invariant($"{g.MaxTokens}/{g.Temperature}/{g.Seed}/{g.PrefixTokens}/{g.SuffixTokens}");

    private sealed record Entry(string Key, string Prefix, string Text);
}
