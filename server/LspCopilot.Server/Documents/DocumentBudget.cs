using System.Diagnostics.CodeAnalysis;

namespace LspCopilot.Server.Documents;

/// <summary>
/// Bytes of open documents held against a bound, safe across threads. A session's budget draws on its
/// server's too, so a document fits only if it fits both; closing it (or the session ending) gives its
/// share back to both.
/// </summary>
public sealed class DocumentBudget
{
    private readonly DocumentBudget? _parent;
    private long _used;

    private DocumentBudget(long limit, string holder, string option, DocumentBudget? parent)
    {
        Limit = limit;
        Holder = holder;
        Option = option;
        _parent = parent;
    }

    public long Limit { get; }

    public long Used => Interlocked.Read(ref _used);

    /// <summary>Whose documents these are, for messages ("this editor's open documents").</summary>
    public string Holder { get; }

    /// <summary>The command-line option that sets <see cref="Limit"/>.</summary>
    public string Option { get; }

    /// <summary>One server process's budget, shared by its sessions.</summary>
    public static DocumentBudget ForServer(DocumentLimits limits) =>
        new(limits.ServerBytes, "the open documents of every editor this server serves", DocumentLimits.ServerOption, null);

    /// <summary>One session's budget, drawing on <paramref name="server"/> (its own server's budget when null).</summary>
    public static DocumentBudget ForSession(DocumentLimits limits, DocumentBudget? server = null) =>
        new(limits.SessionBytes, "this editor's open documents", DocumentLimits.SessionOption, server ?? ForServer(limits));

    /// <summary>
    /// Holds <paramref name="bytes"/> more here and in the server's budget; when either would pass its
    /// bound nothing is held and <paramref name="full"/> says which.
    /// </summary>
    public bool TryReserve(long bytes, [NotNullWhen(false)] out DocumentBudget? full)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        full = null;
        if (!TryAdd(bytes))
        {
            full = this;
            return false;
        }

        if (_parent is not null && !_parent.TryReserve(bytes, out full))
        {
            Interlocked.Add(ref _used, -bytes);
            return false;
        }

        return true;
    }

    /// <summary>Gives back bytes held by <see cref="TryReserve"/>.</summary>
    public void Release(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        Interlocked.Add(ref _used, -bytes);
        _parent?.Release(bytes);
    }

    private bool TryAdd(long bytes)
    {
        while (true)
        {
            var used = Interlocked.Read(ref _used);
            if (used + bytes > Limit)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _used, used + bytes, used) == used)
            {
                return true;
            }
        }
    }
}
