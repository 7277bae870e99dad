using Microsoft.CodeAnalysis.Host.Mef;
using Microsoft.CodeAnalysis.Text;
using Microsoft.CodeAnalysis;

namespace LspCopilot.Context;

/// <summary>
/// Documents that belong to no loaded workspace folder (outside every root, or while their folder is
/// still loading): each is a project of its own with the default framework references, built from
/// the editor's text only — nothing is read from disk for them.
/// </summary>
public sealed class DetachedDocuments : IDisposable
{
    private readonly object _lock = new();
    private readonly AdhocWorkspace _workspace = new(MefHostServices.DefaultHost);
    private readonly Dictionary<string, DocumentId> _documents = new(StringComparer.Ordinal);
    private Solution _solution;

    public DetachedDocuments()
    {
        _solution = _workspace.CurrentSolution;
    }

    /// <summary>The document for <paramref name="key"/> (a URI) holding exactly <paramref name="text"/>.</summary>
    public Document GetDocument(string key, SourceText text)
    {
        lock (_lock)
        {
            if (_documents.TryGetValue(key, out var id))
            {
                var current = _solution.GetDocument(id);
                if (current is null || !current.TryGetText(out var known) || !ReferenceEquals(known, text))
                {
                    _solution = _solution.WithDocumentText(id, text, PreservationMode.PreserveIdentity);
                }

                return _solution.GetDocument(id)!;
            }

            var projectId = ProjectId.CreateNewId(key);
            id = DocumentId.CreateNewId(projectId, key);
            var name = DocumentName(key);
            var document = DocumentInfo.Create(id, name, loader: TextLoader.From(TextAndVersion.Create(text, VersionStamp.Create())));
            _solution = _solution.AddProject(ProjectInfoFactory.Create(projectId, name, null, ReferenceResolver.DefaultFramework(), [document]));
            _documents[key] = id;
            return _solution.GetDocument(id)!;
        }
    }

    /// <summary>Forgets a document; returns its id, if it had one.</summary>
    public DocumentId? Remove(string key)
    {
        lock (_lock)
        {
            if (_documents.Remove(key, out var id))
            {
                _solution = _solution.RemoveProject(id.ProjectId);
                return id;
            }

            return null;
        }
    }

    private static string DocumentName(string key)
    {
        var slash = key.LastIndexOfAny(['/', '\\']);
        var name = slash >= 0 ? key[(slash + 1)..] : key;
        return name.Length > 0 ? Uri.UnescapeDataString(name) : "document.cs";
    }

    public void Dispose() => _workspace.Dispose();
}
