using LspCopilot.Completion;

namespace LspCopilot.Engine;

/// <summary>
/// The context's cells, shared by the sequences of <see cref="KvSequences"/>. Before a decode that would not fit,
/// the cache that asks frees cells by forgetting another: a completion forgets the kept conversation first (it is
/// decoded again on its next turn), then the chat it interrupted (which decodes its tokens again when it resumes);
/// a chat forgets the kept conversation when it is not that conversation, then the completion's cache (the next
/// keystroke decodes its prompt in full). Nothing is forgotten while everything fits.
/// </summary>
internal sealed class KvBudget
{
    private readonly int _cells;
    private readonly ServerLog _log;
    private readonly KvCache[] _chats;

    public KvBudget(int cells, KvCache completion, KvCache conversation, KvCache oneOff, ServerLog log)
    {
        _cells = cells;
        _log = log;
        Completion = completion;
        _chats = [conversation, oneOff];
        completion.NeedCells = n => MakeRoom(completion, n);
        conversation.NeedCells = n => MakeRoom(conversation, n);
        oneOff.NeedCells = n => MakeRoom(oneOff, n);
    }

    public KvCache Completion { get; }

    /// <summary>The chat's cache while a chat runs (completions may run inside it, between its chunks and tokens).</summary>
    public KvCache? ActiveChat { get; set; }

    /// <summary>Caches forgotten to make room, so far.</summary>
    public int Evictions { get; private set; }

    /// <summary>The clients' own sequences of a shared worker (<see cref="Batching.ClientSequences"/>): forgotten after the kept conversation, the client unused longest first.</summary>
    public Batching.ClientSequences? Clients { get; set; }

    public int Used => Completion.Held + _chats.Sum(c => c.Held) + (Clients?.Held ?? 0);

    /// <summary>Frees cells for a batch of <paramref name="count"/> tokens decoded into the clients' sequences (never those the batch uses).</summary>
    public void ReserveForBatch(int count) => MakeRoom(null, count);

    public void ForEachCache(Action<KvCache> action)
    {
        action(Completion);
        foreach (var chat in _chats)
        {
            action(chat);
        }
    }

    /// <summary>Forgets what the chat caches held after llama.cpp's memory was cleared as a whole.</summary>
    public void ForgetChats()
    {
        foreach (var chat in _chats)
        {
            chat.Forget();
        }
    }

    private void MakeRoom(KvCache? owner, int count)
    {
        foreach (var victim in VictimsOf(owner))
        {
            if (Used + count <= _cells)
            {
                return;
            }

            if (victim.Held > 0)
            {
                _log.Debug($"The KV cache is full ({Used} of {_cells} cells, {count} more needed): forgetting {victim.Held} cells of {Name(victim)}.");
                victim.Clear();
                Evictions++;
            }
        }
    }

    private IEnumerable<KvCache> VictimsOf(KvCache? owner)
    {
        foreach (var chat in _chats)
        {
            if (chat != owner && chat != ActiveChat)
            {
                yield return chat;
            }
        }

        foreach (var idle in Clients?.Idle().ToList() ?? [])
        {
            yield return idle;
        }

        if (owner is null)
        {
            yield return Completion;
        }
        else if (owner == Completion)
        {
            if (ActiveChat is { } active)
            {
                yield return active;
            }
        }
        else
        {
            yield return Completion;
        }
    }

    private string Name(KvCache cache) =>
        cache == Completion ? "the completion cache" : cache == ActiveChat ? "the running chat" : _chats.Contains(cache) ? "the kept conversation" : "an idle client's sequence";
}
