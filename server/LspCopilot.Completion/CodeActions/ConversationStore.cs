using System.Collections.Concurrent;
using System.Globalization;

namespace LspCopilot.Completion.CodeActions;

/// <summary>
/// A session's explanation conversations, by id, held in memory only (nothing goes to disk: the server may
/// run on another machine). Bounded: past <see cref="MaxConversations"/> the least recently used one is
/// ended (<see cref="Ended"/> lets the engine drop its cache).
/// </summary>
public sealed class ConversationStore(string sessionId)
{
    public const int MaxConversations = 16;

    private readonly ConcurrentDictionary<string, Conversation> _conversations = new(StringComparer.Ordinal);
    private int _next;

    /// <summary>A conversation was forgotten (ended by the client, evicted, or the session closed).</summary>
    public event Action<string>? Ended;

    public int Count => _conversations.Count;

    /// <summary>A new conversation about <paramref name="uri"/>; its id is unique in the process (the engine keys caches by it).</summary>
    public Conversation Start(string uri, string languageId)
    {
        var id = sessionId + "-c" + Interlocked.Increment(ref _next).ToString(CultureInfo.InvariantCulture);
        var conversation = new Conversation(id, uri, languageId);
        _conversations[id] = conversation;
        while (_conversations.Count > MaxConversations)
        {
            var oldest = _conversations.Values.Where(c => c.Id != id).OrderBy(c => c.LastUsed).FirstOrDefault();
            if (oldest is null || !End(oldest.Id))
            {
                break;
            }
        }

        return conversation;
    }

    public Conversation? Find(string id)
    {
        if (_conversations.TryGetValue(id, out var conversation))
        {
            conversation.Touch();
            return conversation;
        }

        return null;
    }

    /// <summary>Forgets a conversation; false when it was not known.</summary>
    public bool End(string id)
    {
        if (!_conversations.TryRemove(id, out _))
        {
            return false;
        }

        Ended?.Invoke(id);
        return true;
    }

    public void EndAll()
    {
        foreach (var id in _conversations.Keys)
        {
            End(id);
        }
    }
}
