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

    /// <summary>The scan budget that stopped the load early, if any.</summary>
    public ScanLimit StoppedBy { get; init; }
}

/// <summary>
/// One workspace folder as a Roslyn solution: a project per .csproj (references from the SDK packs and
/// the NuGet cache, see <see cref="ReferenceResolver"/>), files without a project in a loose project.
/// Loading starts on first use and runs in the background, bounded by the scan's budgets; the folder is
/// used once its solution is built and the open documents' projects are compiled, so no request waits
/// for a big folder (it uses the document alone until then). Open documents overlay the disk text, and a
/// keystroke replaces one document's text (<see cref="Solution.WithDocumentText(DocumentId, SourceText, PreservationMode)"/>),
/// so Roslyn re-parses that file incrementally and keeps every other tree and the metadata symbols.
/// Only files the scan found under the folder are read from disk.
/// </summary>
public sealed class FolderWorkspace : IDisposable
{
    private readonly object _lock = new();
    private readonly AnalysisOptions _options;
    private readonly ServerLog _log;

    /// <summary>Projects already reported as never restored: said once, not at every reload.</summary>
    private readonly HashSet<string> _unrestoredReported = new(PathComparer);
    private readonly AdhocWorkspace _workspace = new(MefHostServices.DefaultHost);
    private readonly Dictionary<string, DocumentId> _documents = new(PathComparer);
    private readonly Dictionary<string, SourceText> _open = new(PathComparer);
    private readonly List<(string Folder, ProjectId Id)> _projectFolders = [];
    private readonly CancellationTokenSource _disposed = new();
    private readonly Func<string, AnalysisOptions, CancellationToken, ScannedFolder> _scan;
    private Solution _solution;
    private ProjectId? _looseProject;
    private Task? _loading;
    private long _loadStarted;
    private volatile bool _ready;

    public FolderWorkspace(string root, AnalysisOptions options, ServerLog log)
        : this(root, options, log, SourceFileScanner.Scan)
    {
    }

    /// <param name="scan">Lists the folder's files (tests hold it to keep the folder loading).</param>
    internal FolderWorkspace(string root, AnalysisOptions options, ServerLog log, Func<string, AnalysisOptions, CancellationToken, ScannedFolder> scan)
    {
        Root = root;
        _options = options;
        _log = log;
        _scan = scan;
        _solution = _workspace.CurrentSolution;
    }

    public static StringComparer PathComparer { get; } = OperatingSystem.IsLinux() ? StringComparer.Ordinal : StringComparer.OrdinalIgnoreCase;

    public string Root { get; }

    public WorkspaceLoadStats? Stats { get; private set; }

    /// <summary>True once the folder's solution is in use (false for good if loading failed).</summary>
    public bool IsLoaded => _ready;

    /// <summary>Starts loading once; the task completes when the folder is in use, or loading gave up (never faults).</summary>
    public Task EnsureLoadingAsync()
    {
        lock (_lock)
        {
            if (_loading is null)
            {
                var token = _disposed.Token;
                _loadStarted = Stopwatch.GetTimestamp();
                _loading = Task.Run(() => LoadAsync(token), token);
            }

            return _loading;
        }
    }

    /// <summary>
    /// Waits for the load only while it is younger than <paramref name="wait"/>, so a big folder costs
    /// requests that much once in all, not on every keystroke; true when the folder is in use.
    /// </summary>
    public async Task<bool> WaitLoadedAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        var loading = EnsureLoadingAsync();
        var left = wait - Stopwatch.GetElapsedTime(Interlocked.Read(ref _loadStarted));
        if (!_ready && !loading.IsCompleted && left > TimeSpan.Zero)
        {
            try
            {
                await loading.WaitAsync(left, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
            }
        }

        return _ready;
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

    /// <summary>
    /// A file changed on disk (the editor's watcher said so): a C# file the editor does not hold open is read
    /// again, added or removed, so analysis and the compile check never use a stale copy; a project file
    /// reloads the folder. Returns the id of a document whose text changed or went away, if any.
    /// </summary>
    public DocumentId? OnDiskChanged(string path, FileChangeKind kind)
    {
        lock (_lock)
        {
            if (!IsLoadedLocked())
            {
                return null; // The load in progress (or to come) reads the disk.
            }

            if (IsProjectFile(path))
            {
                _log.Info($"{Path.GetFileName(path)} changed on disk: reloading the workspace {Root}.");
                _ready = false;
                _documents.Clear();
                _projectFolders.Clear();
                var token = _disposed.Token;
                _loadStarted = Stopwatch.GetTimestamp();
                _loading = Task.Run(() => LoadAsync(token), token);
                return null;
            }

            if (!path.EndsWith(".cs", StringComparison.OrdinalIgnoreCase) || _open.ContainsKey(path))
            {
                return null; // Not C#, or the editor's text wins while it is open.
            }

            _documents.TryGetValue(path, out var id);
            // Only regular files (a FIFO would block the reader), not links out of the folder, under the size cap.
            var readable = kind != FileChangeKind.Deleted && FileKinds.IsRegularFile(path) && new FileInfo(path) is { LinkTarget: null } info && info.Length <= _options.MaxFileBytes;
            if (!readable)
            {
                if (id is not null)
                {
                    _solution = _solution.RemoveDocument(id);
                    _documents.Remove(path);
                }

                return id;
            }

            if (id is not null)
            {
                _solution = _solution.WithDocumentTextLoader(id, new WorkspaceFileLoader(path, _options.MaxFileBytes), PreservationMode.PreserveValue);
                return id;
            }

            id = DocumentId.CreateNewId(ProjectFor(path), path);
            _solution = _solution.AddDocument(DocumentInfo.Create(id, Path.GetFileName(path), loader: new WorkspaceFileLoader(path, _options.MaxFileBytes), filePath: path));
            _documents[path] = id;
            return null;
        }
    }

    /// <summary>
    /// A project with package references and no restore output: its packages come from the NuGet cache where found
    /// (the version asked for), the rest are left out. The product never restores; the user is told once.
    /// </summary>
    private void ReportUnrestored(ProjectFileInfo project)
    {
        if (project.Packages.Count == 0 || FileKinds.Of(Path.Combine(project.Folder, "obj", "project.assets.json")) == FileKind.Regular)
        {
            return;
        }

        lock (_unrestoredReported)
        {
            if (!_unrestoredReported.Add(project.FilePath))
            {
                return;
            }
        }

        _log.Info($"{project.Name} has never been restored (no obj/project.assets.json): its {project.Packages.Count} package reference(s) are read from the NuGet cache where that version is there, the others left out, next to the framework references. Run `dotnet restore` for the full context; LspCopilot never restores or builds.");
    }

    private static bool IsProjectFile(string path) =>
        path.EndsWith(".csproj", StringComparison.OrdinalIgnoreCase)
        || (Path.GetFileName(path) is var name
            && name.StartsWith("Directory.", StringComparison.OrdinalIgnoreCase)
            && name.EndsWith(".props", StringComparison.OrdinalIgnoreCase)); // Directory.Build.props, Directory.Packages.props

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

    private bool IsLoadedLocked() => _ready;

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

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        try
        {
            var projectsToWarm = Build(cancellationToken, out var solution);

            // Compiling the open documents' projects here, not on the first request after the load.
            foreach (var id in projectsToWarm)
            {
                if (solution.GetProject(id) is { } project)
                {
                    await project.GetCompilationAsync(cancellationToken).ConfigureAwait(false);
                }
            }

            lock (_lock)
            {
                // Editors' texts that changed while compiling.
                foreach (var (path, text) in _open)
                {
                    ApplyLocked(path, text);
                }

                _ready = true;
            }
        }
        catch (Exception ex) when ((ex is OperationCanceledException or ObjectDisposedException) && cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            _log.Warning($"Workspace {Root} could not be loaded ({ex.GetType().Name}: {ex.Message}); C# documents there are analysed from their own text.");
        }
    }

    /// <summary>Scans the folder and builds its solution; returns the projects of the documents open now.</summary>
    private List<ProjectId> Build(CancellationToken cancellationToken, out Solution built)
    {
        var clock = Stopwatch.StartNew();
        var scan = _scan(Root, _options, cancellationToken);
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
            ReportUnrestored(project);
            var info = ProjectInfoFactory.Create(id, project.Name, project, ReferenceResolver.Resolve(project), documents.GetValueOrDefault(id) ?? []);
            var references = project.ProjectReferences
                .Where(r => ids.ContainsKey(r) && ids[r] != id)
                .Select(r => new ProjectReference(ids[r]))
                .ToList();
            infos.Add(info.WithProjectReferences(references));
        }

        infos.Add(ProjectInfoFactory.Create(loose, "(files without a project)", null, ReferenceResolver.DefaultFramework(), documents.GetValueOrDefault(loose) ?? []));
        _workspace.ClearSolution(); // a reload (a project file changed) replaces the previous solution
        var solution = _workspace.AddSolution(SolutionInfo.Create(SolutionId.CreateNewId(), VersionStamp.Create(), projects: infos));

        List<ProjectId> openProjects;
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

            openProjects = [.. _open.Keys.Select(p => _documents[p].ProjectId).Distinct()];
            built = _solution;
            Stats = new WorkspaceLoadStats(projects.Count, scan.SourceFiles.Count, scan.SkippedLarge, scan.Truncated, clock.Elapsed)
            {
                SkippedNotRegular = scan.SkippedNotRegular.Count,
                StoppedBy = scan.StoppedBy,
            };
        }

        _log.Write(
            scan.StoppedBy is ScanLimit.Entries or ScanLimit.Time ? LogLevel.Warning : LogLevel.Info,
            $"Workspace {Root}: {projects.Count} project(s), {scan.SourceFiles.Count} C# file(s) in {clock.ElapsedMilliseconds} ms"
            + StopNote(scan.StoppedBy)
            + (scan.SkippedLarge > 0 ? $"; {scan.SkippedLarge} file(s) over {_options.MaxFileBytes / 1024} KiB skipped" : string.Empty)
            + (scan.SkippedNotRegular.Count > 0 ? $"; {scan.SkippedNotRegular.Count} named pipe(s) or device(s) named like source files not read ({string.Join(", ", scan.SkippedNotRegular.Take(3).Select(p => Path.GetRelativePath(Root, p)))})" : string.Empty) + ".");
        return openProjects;
    }

    private string StopNote(ScanLimit stoppedBy) => stoppedBy switch
    {
        ScanLimit.Files => $"; stopped at {_options.MaxFiles} files (raise maxFiles to load more)",
        ScanLimit.Entries => $"; stopped after looking at {_options.MaxScanEntries:N0} files and folders, so only part of the folder is used: it is too big to load whole (open the project's own folder instead)",
        ScanLimit.Time => $"; stopped after {_options.MaxScanTime.TotalSeconds:0.#} s of scanning, so only part of the folder is used: it is too big to load whole (open the project's own folder instead)",
        _ => string.Empty,
    };

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
