namespace LspCopilot.Context;

/// <summary>
/// Token counts of texts already counted, bounded in characters as well as entries: the texts are
/// rendered sections and whole contexts of a few KB each, and a new one comes with most keystrokes, so
/// a bound on entries alone let the cache keep 100+ MB. Two generations: texts go into the newer; a
/// text found in the older moves to the newer; when the newer is full, the older is dropped and the
/// newer takes its place. What every keystroke uses (the outline's lines, the sections that did not
/// change) so stays, and the cache never holds more than two generations.
/// </summary>
public sealed class TokenCountCache
{
    /// <summary>Characters of text per generation (UTF-16: 1 MB).</summary>
    public const int DefaultMaxChars = 512 * 1024;

    public const int DefaultMaxEntries = 10_000;

    private readonly object _lock = new();
    private readonly int _maxChars;
    private readonly int _maxEntries;
    private Dictionary<string, int> _newer = new(StringComparer.Ordinal);
    private Dictionary<string, int> _older = new(StringComparer.Ordinal);
    private long _newerChars;
    private long _olderChars;

    public TokenCountCache(int maxChars = DefaultMaxChars, int maxEntries = DefaultMaxEntries)
    {
        _maxChars = Math.Max(1, maxChars);
        _maxEntries = Math.Max(1, maxEntries);
    }

    /// <summary>Texts cached, in both generations.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _newer.Count + _older.Count;
            }
        }
    }

    /// <summary>Characters of the texts cached, in both generations (at most twice the bound of one).</summary>
    public long Chars
    {
        get
        {
            lock (_lock)
            {
                return _newerChars + _olderChars;
            }
        }
    }

    public bool TryGet(string text, out int count)
    {
        lock (_lock)
        {
            if (_newer.TryGetValue(text, out count))
            {
                return true;
            }

            if (_older.Remove(text, out count))
            {
                _olderChars -= text.Length;
                AddLocked(text, count);
                return true;
            }

            return false;
        }
    }

    /// <summary>Remembers a count; a text longer than a whole generation is not kept.</summary>
    public void Add(string text, int count)
    {
        if (text.Length > _maxChars)
        {
            return;
        }

        lock (_lock)
        {
            if (_newer.ContainsKey(text))
            {
                _newer[text] = count;
                return;
            }

            if (_older.Remove(text))
            {
                _olderChars -= text.Length;
            }

            AddLocked(text, count);
        }
    }

    public void Clear()
    {
        lock (_lock)
        {
            _newer = new(StringComparer.Ordinal);
            _older = new(StringComparer.Ordinal);
            _newerChars = 0;
            _olderChars = 0;
        }
    }

    private void AddLocked(string text, int count)
    {
        if (_newerChars + text.Length > _maxChars || _newer.Count >= _maxEntries)
        {
            (_older, _olderChars) = (_newer, _newerChars);
            _newer = new(StringComparer.Ordinal);
            _newerChars = 0;
        }

        _newer[text] = count;
        _newerChars += text.Length;
    }
}
