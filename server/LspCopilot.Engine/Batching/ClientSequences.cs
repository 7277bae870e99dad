using LLama;

namespace LspCopilot.Engine.Batching;

/// <summary>
/// One KV sequence per client of a shared worker (<see cref="KvSequences.Client"/>), so each client keeps its own
/// prompt for prefix reuse while others are served. A client's tokens live in exactly one place: its own sequence,
/// or the completion sequence while the single-request path serves it (<see cref="Enter"/> moves them there and
/// the previous owner's back home; a move only retags the unified context's cells, nothing is decoded). When more
/// clients come than there are sequences, the one unused longest gives its sequence up.
/// </summary>
internal sealed class ClientSequences
{
    private readonly KvCache[] _homes;
    private readonly string?[] _owners;
    private readonly long[] _lastUse;
    private readonly HashSet<KvCache> _busy = [];
    private long _clock;
    private string? _completionOwner;

    public ClientSequences(LLamaContext context, int slots, int chunkSize)
    {
        _homes = [.. Enumerable.Range(0, slots).Select(i => new KvCache(context, KvSequences.Client(i), null, chunkSize, 0))];
        _owners = new string?[slots];
        _lastUse = new long[slots];
    }

    public int Slots => _homes.Length;

    /// <summary>Cells the clients' own sequences hold.</summary>
    public int Held => _homes.Sum(h => h.Held);

    /// <summary>Sequences a running batch decodes into: never given up to make room.</summary>
    public IReadOnlyCollection<KvCache> Busy => _busy;

    /// <summary>Makes the completion sequence hold <paramref name="client"/>'s tokens (the single-request path is about to serve it).</summary>
    public void Enter(KvCache completion, string? client)
    {
        var key = client ?? string.Empty;
        if (_completionOwner == key)
        {
            return;
        }

        if (_completionOwner is { } previous && completion.Count > 0)
        {
            Claim(previous).TakeFrom(completion);
        }

        var home = Find(key);
        if (home >= 0)
        {
            completion.TakeFrom(_homes[home]);
            _owners[home] = null;
        }
        else
        {
            completion.Clear();
        }

        _completionOwner = key;
    }

    /// <summary>The sequence a batch decodes <paramref name="client"/>'s request into, holding what the client left there (or in the completion sequence).</summary>
    public KvCache Join(KvCache completion, string? client)
    {
        var key = client ?? string.Empty;
        var home = Claim(key);
        if (_completionOwner == key)
        {
            home.TakeFrom(completion);
            _completionOwner = null;
        }

        _busy.Add(home);
        return home;
    }

    /// <summary>The batch is done with <paramref name="home"/>: it may be given up again.</summary>
    public void Leave(KvCache home) => _busy.Remove(home);

    /// <summary>Sequences nobody is decoding into, the one unused longest first (what to forget when the context is full).</summary>
    public IEnumerable<KvCache> Idle() =>
        Enumerable.Range(0, _homes.Length).Where(i => !_busy.Contains(_homes[i]) && _homes[i].Held > 0).OrderBy(i => _lastUse[i]).Select(i => _homes[i]);

    /// <summary>Whether a free or idle sequence is left for one more client.</summary>
    public bool HasRoomFor(string? client) => Find(client ?? string.Empty) >= 0 || _homes.Any(h => !_busy.Contains(h));

    /// <summary>
    /// Empties the sequences of the clients whose ids start with <paramref name="prefix"/> (they went away), and the
    /// completion sequence when one of them was served there last; a sequence a running batch decodes into stays.
    /// Returns the cells let go.
    /// </summary>
    public int ForgetOwnedBy(string prefix, KvCache completion)
    {
        var freed = 0;
        for (var i = 0; i < _homes.Length; i++)
        {
            if (_owners[i] is { } owner && owner.StartsWith(prefix, StringComparison.Ordinal) && !_busy.Contains(_homes[i]))
            {
                freed += _homes[i].Held;
                _homes[i].Clear();
                _owners[i] = null;
            }
        }

        if (_completionOwner is { } served && served.StartsWith(prefix, StringComparison.Ordinal))
        {
            freed += completion.Held;
            completion.Clear();
            _completionOwner = null;
        }

        return freed;
    }

    /// <summary>Forgets every client's tokens after llama.cpp's memory was cleared as a whole.</summary>
    public void Forget()
    {
        foreach (var home in _homes)
        {
            home.Forget();
        }

        Array.Clear(_owners);
        _busy.Clear();
        _completionOwner = null;
    }

    private int Find(string key) => Array.IndexOf(_owners, key);

    /// <summary>The client's own sequence: the one it had, else a free one, else the one unused longest (forgotten first).</summary>
    private KvCache Claim(string key)
    {
        var slot = Find(key);
        if (slot < 0)
        {
            slot = Array.IndexOf(_owners, null);
            if (slot < 0)
            {
                slot = Enumerable.Range(0, _homes.Length).Where(i => !_busy.Contains(_homes[i])).MinBy(i => _lastUse[i]);
            }

            _homes[slot].Clear();
            _owners[slot] = key;
        }

        _lastUse[slot] = ++_clock;
        return _homes[slot];
    }
}
