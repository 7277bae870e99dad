using System.Collections.Concurrent;
using LspCopilot.Completion;
using LspCopilot.Server.Protocol;
using Microsoft.CodeAnalysis.Text;

namespace LspCopilot.Server.Documents;

/// <summary>
/// The open documents of one LSP session. Edits are applied atomically: a notification whose change
/// cannot be applied leaves the previous text and version in place and marks the document divergent
/// (no completions until a full-text change resyncs it).
/// </summary>
public sealed class DocumentStore(ServerLog log, string session = "")
{
    private readonly ConcurrentDictionary<string, DocumentSnapshot> _documents = new(StringComparer.Ordinal);

    public int Count => _documents.Count;

    /// <summary>Raised after a document's text changes (open, edit, close with null).</summary>
    public event Action<string, DocumentSnapshot?>? Changed;

    public DocumentSnapshot? Get(string uri) => _documents.TryGetValue(uri, out var doc) ? doc : null;

    public IReadOnlyCollection<DocumentSnapshot> All => [.. _documents.Values];

    public void Open(TextDocumentItem item)
    {
        if (_documents.ContainsKey(item.Uri))
        {
            log.Warning($"didOpen for {item.Uri}, which is already open: replacing its text.");
        }

        var snapshot = new DocumentSnapshot(item.Uri, item.LanguageId ?? string.Empty, item.Version, SourceText.From(item.Text ?? string.Empty)) { Session = session };
        _documents[item.Uri] = snapshot;
        Changed?.Invoke(item.Uri, snapshot);
    }

    /// <summary>Applies the changes in order; returns false (document unchanged but divergent) when one is invalid.</summary>
    public bool Change(VersionedTextDocumentIdentifier id, IReadOnlyList<TextDocumentContentChangeEvent> changes)
    {
        if (!_documents.TryGetValue(id.Uri, out var current))
        {
            log.Warning($"didChange for {id.Uri}, which is not open: ignored.");
            return false;
        }

        if (id.Version <= current.Version)
        {
            log.Warning($"didChange for {id.Uri} has version {id.Version}, not after {current.Version}: ignored.");
            return false;
        }

        var text = current.Text;
        var resynced = false;
        foreach (var change in changes)
        {
            if (change.Range is null)
            {
                text = SourceText.From(change.Text ?? string.Empty);
                resynced = true;
                continue;
            }

            if (!Conversions.TryToSpan(text, change.Range, out var span, out var error))
            {
                log.Error($"didChange for {id.Uri} v{id.Version} rejected: {error} The document keeps version {current.Version} and gets no completions until the editor resends it in full.");
                _documents[id.Uri] = current with { Divergent = true };
                return false;
            }

            text = text.WithChanges(new TextChange(span, change.Text ?? string.Empty));
        }

        var snapshot = current with { Version = id.Version, Text = text, Divergent = current.Divergent && !resynced };
        _documents[id.Uri] = snapshot;
        Changed?.Invoke(id.Uri, snapshot);
        return true;
    }

    public void Close(string uri)
    {
        if (_documents.TryRemove(uri, out _))
        {
            Changed?.Invoke(uri, null);
        }
        else
        {
            log.Warning($"didClose for {uri}, which is not open: ignored.");
        }
    }
}
