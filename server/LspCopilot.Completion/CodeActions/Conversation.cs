using LspCopilot.Completion.Chat;

namespace LspCopilot.Completion.CodeActions;

/// <summary>
/// One explanation conversation: the document it is about and its turns so far. One turn runs at a time
/// (<see cref="TurnLock"/>); a turn joins the history only when it completed, so a cancelled or failed turn
/// leaves the conversation as it was.
/// </summary>
public sealed class Conversation(string id, string uri, string languageId)
{
    /// <summary>Most characters of history kept; older turns (after the first question) are dropped beyond it.</summary>
    public const int MaxHistoryChars = 200_000;

    private readonly object _lock = new();
    private readonly List<ChatMessage> _messages = [];

    public string Id { get; } = id;

    public string Uri { get; } = uri;

    public string LanguageId { get; } = languageId;

    public SemaphoreSlim TurnLock { get; } = new(1, 1);

    public long LastUsed { get; private set; } = Environment.TickCount64;

    public IReadOnlyList<ChatMessage> Messages
    {
        get
        {
            lock (_lock)
            {
                return [.. _messages];
            }
        }
    }

    public bool IsEmpty
    {
        get
        {
            lock (_lock)
            {
                return _messages.Count == 0;
            }
        }
    }

    /// <summary>Records a completed turn: the messages the request added and the assistant's answer.</summary>
    public void Append(IEnumerable<ChatMessage> asked, string answer)
    {
        lock (_lock)
        {
            _messages.AddRange(asked);
            _messages.Add(new ChatMessage(ChatMessage.Assistant, answer));
            LastUsed = Environment.TickCount64;

            // Keep the system message and the first question (the code), drop the oldest follow-ups past the bound.
            while (_messages.Sum(m => m.Content.Length) > MaxHistoryChars && _messages.Count > 4)
            {
                _messages.RemoveRange(2, 2);
            }
        }
    }

    public void Touch() => LastUsed = Environment.TickCount64;
}
