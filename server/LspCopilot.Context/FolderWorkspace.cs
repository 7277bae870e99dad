using System.Diagnostics;
using LspCopilot.Completion;
using Microsoft.CodeAnalysis.Host.Mef;
using Microsoft.CodeAnalysis.Text;
using Microsoft.CodeAnalysis;

namespace LspCopilot.Context;

/// <summary>Figures of one workspace load, for logs and the benchmark.</summary>
public sealed record WorkspaceLoadStats(int Projects, int Files, int SkippedLarge, bool Truncated, TimeSpan Elapsed)
{
    /// <summary>Named pipes, devices and sockets named like C# or project files, which were not opened.</summary>
    public int SkippedNotRegular { get; init; }
}

/// <summary>
/// One workspace folder as a Roslyn solution: a project per .csproj (references from the SDK packs and
/// the NuGet cache, see <see cref="ReferenceResolver"/>), files without a project in a loose project.
/// Loading starts on first use and runs in the background; open documents overlay the disk text, and a
/// keystroke replaces one document's text (<see cref="Solution.WithDocumentText(DocumentId, SourceText, PreservationMode)"/>),
/// so Roslyn re-parses that file incrementally and keeps every other tree and the metadata symbols.
/// Only files the scan found under the folder are read from disk.
/// </summary>
public sealed class FolderWorkspace : IDisposable
{
    private readonly object _lock = new();
    private readonly AnalysisOptions _options;
    private readonly ServerLog _log;
    private readonly AdhocWorkspace _workspace = new(MefHostServices.DefaultHost);
    private readonly Dictionary<string, DocumentId> _documents = new(PathComparer);
    private readonly Dictionary<string, SourceText> _open = new(PathComparer);
    private readonly List<(string Folder, ProjectId Id)> _projectFolders = [];
    private readonly CancellationTokenSource _disposed = new();
    private Solution _solution;
    private ProjectId? _looseProject;
    private Task? _loading;

    public FolderWorkspace(string root, AnalysisOptions options, ServerLog log)
    {
        Root = root;
        _options = options;
        _log = log;
        _solution = _workspace.CurrentSolution;
    }

    public static StringComparer PathComparer { get; } = OperatingSystem.IsLinux() ? StringComparer.Ordinal : StringComparer.OrdinalIgnoreCase;

    public string Root { get; }

    public WorkspaceLoadStats? Stats { get; private set; }

    public bool IsLoaded => _loading is { IsCompletedSuccessfully: true };

    /// <summary>Starts loading once; the task completes when every project and file is in the solution.</summary>
    public Task EnsureLoadingAsync()
    {
        lock (_lock)
        {
            return _loading ??= Task.Run(Load, _disposed.Token);
        }
    }

    /// <summary>Waits up to <paramref name="wait"/> for the load; true when loaded.</summary>
    public async Task<bool> WaitLoadedAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        var loading = EnsureLoadingAsync();
        if (!loading.IsCompleted && wait > TimeSpan.Zero)
        {
            try
            {
                await loading.WaitAsync(wait, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
            }
        }

        return loading.IsCompletedSuccessfully;
    }

    /// <summary>An editor's text for a file under the folder (didOpen/didChange): replaces the disk text.</summary>
    public void SetOpenText(string path, SourceText text)
    {
        lock (_lock)
        {
            _open[path] = text;
            if (IsLoadedLocked())
            {
                ApplyLocked(path, text);
            }
        }
    }

    /// <summary>The editor closed the file: back to the disk text (or gone, for a file never saved). Returns its document id, if it had one.</summary>
    public DocumentId? Close(string path)
    {
        lock (_lock)
        {
            _open.Remove(path);
            if (!IsLoadedLocked() || !_documents.TryGetValue(path, out var id))
            {
                return null;
            }

            if (File.Exists(path) && new FileInfo(path).LinkTarget is null)
            {
                _solution = _solution.WithDocumentTextLoader(id, new WorkspaceFileLoader(path, _options.MaxFileBytes), PreservationMode.PreserveValue);
            }
            else
            {
                _solution = _solution.RemoveDocument(id);
                _documents.Remove(path);
            }

            return id;
        }
    }

    /// <summary>The document for <paramref name="path"/> holding exactly <paramref name="text"/>; null until loaded.</summary>
    public Document? GetDocument(string path, SourceText text)
    {
        lock (_lock)
        {
            if (!IsLoadedLocked())
            {
                return null;
            }

            var id = ApplyLocked(path, text);
            return _solution.GetDocument(id);
        }
    }

    private bool IsLoadedLocked() => _loading is { IsCompletedSuccessfully: true };

    private DocumentId ApplyLocked(string path, SourceText text)
    {
        if (_documents.TryGetValue(path, out var id))
        {
            var document = _solution.GetDocument(id);
            if (document is null || !document.TryGetText(out var current) || !ReferenceEquals(current, text))
            {
                _solution = _solution.WithDocumentText(id, text, PreservationMode.PreserveIdentity);
            }

            return id;
        }

        // A file the scan did not load (new, or skipped): it joins the project whose folder holds it.
        var project = ProjectFor(path);
        id = DocumentId.CreateNewId(project, path);
        _solution = _solution.AddDocument(DocumentInfo.Create(
            id,
            Path.GetFileName(path),
            loader: TextLoader.From(TextAndVersion.Create(text, VersionStamp.Create(), path)),
            filePath: path));
        _documents[path] = id;
        return id;
    }

    private void Load()
    {
        var clock = Stopwatch.StartNew();
        var scan = SourceFileScanner.Scan(Root, _options, _disposed.Token);
        var projects = scan.ProjectFiles
            .Select(p => ProjectFileReader.Read(p, Root))
            .GroupBy(p => p.Folder, PathComparer)
            .Select(g => g.OrderBy(p => p.FilePath, StringComparer.Ordinal).First())
            .OrderByDescending(p => p.Folder.Length)
            .ToList();

        var ids = projects.ToDictionary(p => p.FilePath, p => ProjectId.CreateNewId(p.Name), PathComparer);
        var folders = projects.Select(p => (p.Folder, Id: ids[p.FilePath])).ToList();
        var loose = ProjectId.CreateNewId("(files without a project)");
        var documents = new Dictionary<ProjectId, List<DocumentInfo>>();
        var paths = new Dictionary<string, DocumentId>(PathComparer);
        foreach (var file in scan.SourceFiles)
        {
            var owner = folders.FirstOrDefault(f => WorkspaceRoots.IsUnder(file, f.Folder)).Id ?? loose;
            var docId = DocumentId.CreateNewId(owner, file);
            paths[file] = docId;
            if (!documents.TryGetValue(owner, out var list))
            {
                documents[owner] = list = [];
            }

            list.Add(DocumentInfo.Create(docId, Path.GetFileName(file), loader: new WorkspaceFileLoader(file, _options.MaxFileBytes), filePath: file));
        }

        var infos = new List<ProjectInfo>();
        foreach (var project in projects)
        {
            var id = ids[project.FilePath];
            var info = ProjectInfoFactory.Create(id, project.Name, project, ReferenceResolver.Resolve(project), documents.GetValueOrDefault(id) ?? []);
            var references = project.ProjectReferences
                .Where(r => ids.ContainsKey(r) && ids[r] != id)
                .Select(r => new ProjectReference(ids[r]))
                .ToList();
            infos.Add(info.WithProjectReferences(references));
        }

        infos.Add(ProjectInfoFactory.Create(loose, "(files without a project)", null, ReferenceResolver.DefaultFramework(), documents.GetValueOrDefault(loose) ?? []));
        var solution = _workspace.AddSolution(SolutionInfo.Create(SolutionId.CreateNewId(), VersionStamp.Create(), projects: infos));

        lock (_lock)
        {
            _solution = solution;
            _looseProject = loose;
            _projectFolders.AddRange(folders);
            foreach (var (path, id) in paths)
            {
                _documents[path] = id;
            }

            // Editors' texts that arrived while loading win over the disk.
            foreach (var (path, text) in _open)
            {
                ApplyLocked(path, text);
            }

            Stats = new WorkspaceLoadStats(projects.Count, scan.SourceFiles.Count, scan.SkippedLarge, scan.Truncated, clock.Elapsed) { SkippedNotRegular = scan.SkippedNotRegular.Count };
        }

        _log.Info($"Workspace {Root}: {projects.Count} project(s), {scan.SourceFiles.Count} C# file(s) in {clock.ElapsedMilliseconds} ms"
            + (scan.Truncated ? $"; stopped at {_options.MaxFiles} files (raise maxFiles to load more)" : string.Empty)
            + (scan.SkippedLarge > 0 ? $"; {scan.SkippedLarge} file(s) over {_options.MaxFileBytes / 1024} KiB skipped" : string.Empty)
            + (scan.SkippedNotRegular.Count > 0 ? $"; {scan.SkippedNotRegular.Count} named pipe(s) or device(s) named like source files not read ({string.Join(", ", scan.SkippedNotRegular.Take(3).Select(p => Path.GetRelativePath(Root, p)))})" : string.Empty) + ".");
    }

    /// <summary>The deepest project folder holding the path, else the loose project.</summary>
    private ProjectId ProjectFor(string path) =>
        _projectFolders.FirstOrDefault(f => WorkspaceRoots.IsUnder(path, f.Folder)).Id ?? _looseProject!;

    public void Dispose()
    {
        _disposed.Cancel();
        _workspace.Dispose();
        _disposed.Dispose();
    }
}
