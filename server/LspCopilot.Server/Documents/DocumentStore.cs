using System.Collections.Concurrent;
using LspCopilot.Completion;
using LspCopilot.Server.Protocol;
using Microsoft.CodeAnalysis.Text;

namespace LspCopilot.Server.Documents;

/// <summary>
/// The open documents of one LSP session. Edits are applied atomically: a notification whose change
/// cannot be applied (or read) leaves the previous text and version in place and marks the document
/// divergent (no completions until a full-text change resyncs it). The text held is bounded by a
/// <see cref="DocumentBudget"/>: a document that would pass it is refused — its text dropped, the
/// document kept as divergent — and the others are served as before. Whenever a document stops being
/// the editor's text, the log says why and the user is told once.
/// </summary>
public sealed class DocumentStore : IDisposable
{
    /// <summary>
    /// Edits after which a document's text is copied into a fresh <see cref="SourceText"/>. A text made by
    /// <see cref="SourceText.WithChanges(TextChange[])"/> is built from pieces of the one before, back to
    /// the text the editor opened, and keeps a record of every edit since (Roslyn's ChangeInfo, with a
    /// weak handle each) for as long as that first text lives — which its pieces make forever: one record
    /// per keystroke, never freed. A fresh copy ends the chain; Roslyn then reparses the file once.
    /// </summary>
    public const int EditsPerText = 1000;

    private readonly ConcurrentDictionary<string, Entry> _documents = new(StringComparer.Ordinal);
    private readonly object _lock = new();
    private readonly ServerLog _log;
    private readonly string _session;
    private readonly DocumentBudget _budget;
    private readonly Action<string> _tellUser;
    private bool _disposed;

    /// <param name="budget">The session's budget (by default <see cref="DocumentLimits.Default"/>, with a server budget of its own).</param>
    /// <param name="tellUser">Shows the user a warning (window/showMessage).</param>
    public DocumentStore(ServerLog log, string session = "", DocumentBudget? budget = null, Action<string>? tellUser = null)
    {
        _log = log;
        _session = session;
        _budget = budget ?? DocumentBudget.ForSession(DocumentLimits.Default);
        _tellUser = tellUser ?? (_ => { });
    }

    public int Count => _documents.Count;

    /// <summary>Raised after a document's text changes (open, edit; null when closed or its text was dropped).</summary>
    public event Action<string, DocumentSnapshot?>? Changed;

    public DocumentSnapshot? Get(string uri) => _documents.TryGetValue(uri, out var entry) ? entry.Snapshot : null;

    public IReadOnlyCollection<DocumentSnapshot> All => [.. _documents.Values.Select(e => e.Snapshot)];

    /// <summary>Opens (or replaces) a document; false when its text was refused (past the budget).</summary>
    public bool Open(TextDocumentItem item)
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return false;
            }

            if (_documents.TryGetValue(item.Uri, out var previous))
            {
                _log.Warning($"didOpen for {item.Uri}, which is already open: replacing its text.");
                _budget.Release(previous.Bytes);
            }

            var text = item.Text ?? string.Empty;
            var bytes = DocumentLimits.BytesOf(text.Length);
            var snapshot = new DocumentSnapshot(item.Uri, item.LanguageId ?? string.Empty, item.Version, SourceText.From(text)) { Session = _session };
            if (!_budget.TryReserve(bytes, out var full))
            {
                Refuse(snapshot, bytes, full);
                return false;
            }

            // Indexed now, under the queue's lock, so requests find LSP's lines ready.
            _ = LspLineIndex.Of(snapshot.Text);
            Keep(new Entry(snapshot, bytes));
            return true;
        }
    }

    /// <summary>Applies the changes in order; returns false (document unchanged but divergent) when one is invalid.</summary>
    public bool Change(VersionedTextDocumentIdentifier id, IReadOnlyList<TextDocumentContentChangeEvent> changes)
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return false;
            }

            if (!_documents.TryGetValue(id.Uri, out var entry))
            {
                _log.Warning($"didChange for {id.Uri}, which is not open: ignored.");
                return false;
            }

            var current = entry.Snapshot;
            if (id.Version <= current.Version)
            {
                _log.Warning($"didChange for {id.Uri} has version {id.Version}, not after {current.Version}: ignored.");
                return false;
            }

            return entry.Held ? ChangeHeld(entry, id, changes) : ChangeRefused(entry, id, changes);
        }
    }

    public void Close(string uri)
    {
        lock (_lock)
        {
            if (_documents.TryRemove(uri, out var entry))
            {
                _budget.Release(entry.Bytes);
                Changed?.Invoke(uri, null);
            }
            else
            {
                _log.Warning($"didClose for {uri}, which is not open: ignored.");
            }
        }
    }

    /// <summary>
    /// A document notification that could not be read: the document it names (every open one when it
    /// names none that can be read) is no longer known to be the editor's text.
    /// </summary>
    public void Unreadable(string method, string? uri, string problem)
    {
        lock (_lock)
        {
            _log.Error($"{method}{(uri is null ? string.Empty : " for " + uri)} could not be read and was not applied: {problem}");
            if (_disposed)
            {
                return;
            }

            if (method == LspMethods.DidClose && uri is not null)
            {
                Close(uri);
            }
            else if (uri is not null && _documents.TryGetValue(uri, out var entry))
            {
                Diverge(entry, $"its {method} could not be read ({problem}).");
            }
            else if (method == LspMethods.DidOpen && uri is not null)
            {
                var stub = new DocumentSnapshot(uri, string.Empty, 0, SourceText.From(string.Empty)) { Session = _session, Divergent = true };
                _documents[uri] = new Entry(stub, 0, Held: false);
                TellUser($"LspCopilot could not read {NameOf(uri)} as the editor opened it ({problem}). It gets no completions until it is closed and opened again.");
            }
            else if (method == LspMethods.DidChange && uri is null && !_documents.IsEmpty)
            {
                foreach (var open in _documents.Values)
                {
                    Diverge(open, null);
                }

                TellUser($"LspCopilot could not read an edit and cannot tell which file it was for ({problem}). Open files get no completions until they are closed and opened again.");
            }
        }
    }

    /// <summary>Ends the session: every document's share goes back to the server's budget.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            foreach (var entry in _documents.Values)
            {
                _budget.Release(entry.Bytes);
            }

            _documents.Clear();
        }
    }

    private bool ChangeHeld(Entry entry, VersionedTextDocumentIdentifier id, IReadOnlyList<TextDocumentContentChangeEvent> changes)
    {
        var current = entry.Snapshot;
        if (!TryApply(current.Text, changes, out var text, out var lines, out var resynced, out var error))
        {
            Diverge(entry, $"didChange v{id.Version} could not be applied: {error}");
            return false;
        }

        var snapshot = current with { Version = id.Version, Text = text, Divergent = current.Divergent && !resynced };
        var bytes = DocumentLimits.BytesOf(text.Length);
        if (bytes > entry.Bytes && !_budget.TryReserve(bytes - entry.Bytes, out var full))
        {
            _budget.Release(entry.Bytes);
            Refuse(snapshot, bytes, full);
            return false;
        }

        _budget.Release(Math.Max(0, entry.Bytes - bytes));
        var edits = resynced ? 0 : entry.Edits + changes.Count;
        if (edits >= EditsPerText)
        {
            snapshot = snapshot with { Text = SourceText.From(text.ToString(), text.Encoding, text.ChecksumAlgorithm) };
            edits = 0;
        }

        LspLineIndex.Attach(snapshot.Text, lines);
        Keep(new Entry(snapshot, bytes) { Edits = edits });
        return true;
    }

    /// <summary>A document whose text was refused holds none: only a full-text change can bring it back.</summary>
    private bool ChangeRefused(Entry entry, VersionedTextDocumentIdentifier id, IReadOnlyList<TextDocumentContentChangeEvent> changes)
    {
        var current = entry.Snapshot with { Version = id.Version };
        var fullText = -1;
        for (var i = 0; i < changes.Count; i++)
        {
            fullText = changes[i].Range is null ? i : fullText;
        }

        if (fullText < 0 || !TryApply(SourceText.From(string.Empty), [.. changes.Skip(fullText)], out var text, out var lines, out _, out _))
        {
            _log.Debug($"didChange for {id.Uri} v{id.Version} not applied: its text is not held.");
            _documents[id.Uri] = entry with { Snapshot = current };
            return false;
        }

        var snapshot = current with { Text = text };
        var bytes = DocumentLimits.BytesOf(text.Length);
        if (!_budget.TryReserve(bytes, out var full))
        {
            _log.Warning($"{id.Uri} v{id.Version} ({DocumentLimits.Describe(bytes)}) still does not fit: {full.Holder} are bounded to {DocumentLimits.Describe(full.Limit)} ({full.Option}).");
            _documents[id.Uri] = entry with { Snapshot = current };
            return false;
        }

        LspLineIndex.Attach(text, lines);
        Keep(new Entry(snapshot with { Divergent = false }, bytes));
        _log.Info($"{id.Uri} is held again ({DocumentLimits.Describe(bytes)}).");
        return true;
    }

    /// <summary>The text after <paramref name="changes"/>, with its LSP line index kept up to date edit by edit.</summary>
    private static bool TryApply(SourceText start, IReadOnlyList<TextDocumentContentChangeEvent> changes, out SourceText text, out LspLineIndex lines, out bool resynced, out string? error)
    {
        text = start;
        lines = LspLineIndex.Of(start);
        resynced = false;
        error = null;
        foreach (var change in changes)
        {
            var inserted = change.Text ?? string.Empty;
            if (change.Range is null)
            {
                text = SourceText.From(inserted);
                lines = LspLineIndex.Scan(text);
                resynced = true;
                continue;
            }

            if (!Conversions.TryToSpan(text, lines, change.Range, out var span, out error))
            {
                return false;
            }

            var next = text.WithChanges(new TextChange(span, inserted));
            lines = lines.WithChange(next, span, inserted);
            text = next;
        }

        return true;
    }

    private void Keep(Entry entry)
    {
        _documents[entry.Snapshot.Uri] = entry;
        Changed?.Invoke(entry.Snapshot.Uri, entry.Snapshot);
    }

    /// <summary>The previous text and version stay; completions stop until a full-text change. Told once per divergence.</summary>
    private void Diverge(Entry entry, string? reason)
    {
        var current = entry.Snapshot;
        _documents[current.Uri] = entry with { Snapshot = current with { Divergent = true } };
        if (reason is null)
        {
            return;
        }

        if (current.Divergent)
        {
            _log.Debug($"{current.Uri}, already out of sync: {reason}");
            return;
        }

        _log.Error($"{current.Uri} is out of sync with the editor: {reason} It keeps version {current.Version} and gets no completions until the editor resends it in full.");
        TellUser($"LspCopilot lost track of {NameOf(current.Uri)}: {reason} It gets no completions until it is closed and opened again.");
    }

    /// <summary>Drops the text of a document past the budget; the document stays open, divergent, holding nothing.</summary>
    private void Refuse(DocumentSnapshot snapshot, long bytes, DocumentBudget full)
    {
        var stub = snapshot with { Text = SourceText.From(string.Empty), Divergent = true };
        _documents[snapshot.Uri] = new Entry(stub, 0, Held: false);
        Changed?.Invoke(snapshot.Uri, null);
        _log.Error($"{snapshot.Uri} v{snapshot.Version} ({DocumentLimits.Describe(bytes)} as text) is not held: {full.Holder} would pass their bound of {DocumentLimits.Describe(full.Limit)} ({full.Option}, now {DocumentLimits.Describe(full.Used)} held).");
        TellUser($"LspCopilot gives no completions in {NameOf(snapshot.Uri)}: at {DocumentLimits.Describe(bytes)} it would take {full.Holder} past {DocumentLimits.Describe(full.Limit)}. Close some files (then reopen this one), or raise the bound with {full.Option}.");
    }

    private void TellUser(string message) => _tellUser(message);

    private static string NameOf(string uri) =>
        Uri.TryCreate(uri, UriKind.Absolute, out var parsed) && Path.GetFileName(parsed.LocalPath) is { Length: > 0 } name ? name : uri;

    /// <summary>An open document and the bytes of the budget it holds; <see cref="Held"/> is false when its text was refused or unreadable.</summary>
    private sealed record Entry(DocumentSnapshot Snapshot, long Bytes, bool Held = true)
    {
        /// <summary>Edits since the text was last made fresh (<see cref="EditsPerText"/>).</summary>
        public int Edits { get; init; }
    }
}
