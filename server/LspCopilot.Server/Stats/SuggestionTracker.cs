using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using LspCopilot.Completion;

namespace LspCopilot.Server.Stats;

/// <summary>
/// One session's suggestions as the statistics see them: each served suggestion gets an id (carried by the item's
/// command) and is remembered (the newest <see cref="Remembered"/>) so the editor's later show/accept events can be
/// recorded with its language and model. Also keeps when each document was last edited, so a suggestion's latency
/// starts at the keystroke rather than at the request (the editor's debounce included).
/// </summary>
public sealed class SuggestionTracker(StatsStore store, ServerLog log)
{
    /// <summary>Served suggestions kept for their show/accept events.</summary>
    public const int Remembered = 256;

    /// <summary>An edit longer ago than this before the request is not the keystroke that asked for it.</summary>
    private static readonly TimeSpan s_keystrokeWindow = TimeSpan.FromSeconds(2);

    private readonly Lock _lock = new();
    private readonly Dictionary<string, Entry> _served = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();
    private readonly ConcurrentDictionary<string, long> _lastEdit = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _lastServed = new(StringComparer.Ordinal);
    private string _editor = "unnamed editor";
    private bool _declared;

    public StatsStore Store => store;

    public string Editor => Volatile.Read(ref _editor);

    /// <summary>The editor's name and whether it said it reports shown/accepted events (initialize).</summary>
    public void SetClient(string? editor, bool reportsEvents)
    {
        Volatile.Write(ref _editor, string.IsNullOrWhiteSpace(editor) ? "unnamed editor" : editor.Trim());
        _declared = reportsEvents;
    }

    public void OnEdit(string uri) => _lastEdit[uri] = Stopwatch.GetTimestamp();

    public void OnClose(string uri)
    {
        _lastEdit.TryRemove(uri, out _);
        lock (_lock)
        {
            _lastServed.Remove(uri);
        }
    }

    /// <summary>Where a request's latency starts: the document's last edit when it came just before, else the request.</summary>
    public long StartOf(string uri, long requestTimestamp) =>
        _lastEdit.TryGetValue(uri, out var edit) && edit <= requestTimestamp && Stopwatch.GetElapsedTime(edit, requestTimestamp) <= s_keystrokeWindow
            ? edit
            : requestTimestamp;

    /// <summary>
    /// Records a suggestion the server answered with for <paramref name="uri"/>; returns its id for the item's command.
    /// An answer that is the end of the document's previous suggestion (the user typing through it, or the same
    /// request again) is that suggestion still: same id, nothing new recorded — else typing through one suggestion
    /// would count as many shown and at most one accepted.
    /// </summary>
    public string Served(string uri, string language, string? model, StopReason stop, string text, TimeSpan latency)
    {
        lock (_lock)
        {
            if (_lastServed.TryGetValue(uri, out var previous) && _served.TryGetValue(previous, out var last) && text.Length > 0 && last.Text.EndsWith(text, StringComparison.Ordinal))
            {
                return previous;
            }
        }

        var id = Guid.NewGuid().ToString("N")[..16];
        var entry = new Entry(language, model is null ? null : Path.GetFileName(model), text);
        lock (_lock)
        {
            _served[id] = entry;
            _lastServed[uri] = id;
            _order.Enqueue(id);
            while (_order.Count > Remembered)
            {
                _served.Remove(_order.Dequeue());
            }
        }

        store.Append(Event(StatsKinds.Served, id, entry) with
        {
            Stop = StopName(stop),
            LatencyMs = Math.Round(latency.TotalMilliseconds, 1),
            Chars = text.Length,
            Reports = _declared,
        }, log);
        return id;
    }

    /// <summary>textDocument/didShowCompletion: false when the item is not one this session served (or was shown before).</summary>
    public bool Shown(JsonElement item) => Record(item, StatsKinds.Shown, static (entry, _) => !entry.Shown && (entry.Shown = true), null);

    /// <summary>The item's command ran: the whole suggestion was accepted (once per suggestion).</summary>
    public bool Accepted(string id) => Record(id, null, StatsKinds.Accepted, static (entry, _) => !entry.Accepted && (entry.Accepted = true), null);

    /// <summary>textDocument/didPartiallyAcceptCompletion: <paramref name="acceptedLength"/> characters of the item were taken.</summary>
    public bool PartiallyAccepted(JsonElement item, int acceptedLength) =>
        Record(item, StatsKinds.Partial, static (entry, length) => !entry.Accepted && length > entry.PartialChars && (entry.PartialChars = length.Value) > 0, acceptedLength);

    private bool Record(JsonElement item, string kind, Func<Entry, int?, bool> first, int? chars) =>
        Record(IdOf(item), TextOf(item), kind, first, chars);

    private bool Record(string? id, string? text, string kind, Func<Entry, int?, bool> first, int? chars)
    {
        Entry? entry;
        lock (_lock)
        {
            if (id is null || !_served.TryGetValue(id, out entry))
            {
                // A client that drops the command still sends the item's text: the newest suggestion with that text.
                id = text is null ? null : _order.Reverse().FirstOrDefault(served => _served.TryGetValue(served, out var candidate) && candidate.Text == text);
                entry = id is null ? null : _served[id];
            }

            if (id is null || entry is null || !first(entry, chars))
            {
                return false;
            }
        }

        var clamped = chars is { } n ? Math.Clamp(n, 0, entry.Text.Length) : entry.Text.Length;
        store.Append(Event(kind, id, entry) with { Chars = kind == StatsKinds.Shown ? null : clamped }, log);
        return true;
    }

    private StatsEvent Event(string kind, string id, Entry entry) => new()
    {
        Kind = kind,
        Id = id,
        Timestamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
        Editor = Editor,
        Language = entry.Language,
        Model = entry.Model,
    };

    /// <summary>The id the item's command carries: <c>command.arguments[0]</c>, a string.</summary>
    public static string? IdOf(JsonElement item) =>
        item.ValueKind == JsonValueKind.Object
        && item.TryGetProperty("command", out var command) && command.ValueKind == JsonValueKind.Object
        && command.TryGetProperty("arguments", out var arguments) && arguments.ValueKind == JsonValueKind.Array
        && arguments.GetArrayLength() > 0 && arguments[0].ValueKind == JsonValueKind.String
            ? arguments[0].GetString()
            : null;

    private static string? TextOf(JsonElement item) =>
        item.ValueKind == JsonValueKind.Object && item.TryGetProperty("insertText", out var text) && text.ValueKind == JsonValueKind.String ? text.GetString() : null;

    private static string StopName(StopReason stop) => stop switch
    {
        StopReason.Cached => "cached",
        StopReason.EndOfGeneration => "end-of-generation",
        StopReason.EndOfLine => "end-of-line",
        StopReason.TokenLimit => "token-limit",
        StopReason.Stopper => "syntax-stop",
        StopReason.ContextFull => "context-full",
        _ => stop.ToString(),
    };

    private sealed class Entry(string language, string? model, string text)
    {
        public string Language { get; } = language;
        public string? Model { get; } = model;
        public string Text { get; } = text;
        public bool Shown { get; set; }
        public bool Accepted { get; set; }
        public int PartialChars { get; set; }
    }
}
