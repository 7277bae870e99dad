using LspCopilot.Context;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace LspCopilot.Server.Benchmarks.ContextQuality;

/// <summary>One source file of a corpus project, with its tree and semantic model in the unmodified compilation.</summary>
public sealed record CorpusFile(string Path, SourceText Text, SyntaxTree Tree, SemanticModel Model);

/// <summary>
/// A corpus project compiled as the context provider sees it — the same file scan, project file reading,
/// references and global usings — but unmodified, so the names a masked statement needs are resolved on
/// the code as written.
/// </summary>
public sealed class CorpusProject
{
    private CorpusProject(string folder, string name, IReadOnlyList<CorpusFile> files, IReadOnlyList<Diagnostic> errors)
    {
        Folder = folder;
        Name = name;
        Files = files;
        Errors = errors;
    }

    public string Folder { get; }

    public string Name { get; }

    /// <summary>The project's files in ordinal path order (the picker's order depends on it).</summary>
    public IReadOnlyList<CorpusFile> Files { get; }

    /// <summary>Compile errors of the unmodified project: a corpus project should have none.</summary>
    public IReadOnlyList<Diagnostic> Errors { get; }

    public static async Task<CorpusProject> LoadAsync(string folder, CancellationToken cancellationToken)
    {
        folder = Path.GetFullPath(folder);
        var options = new AnalysisOptions();
        var scan = SourceFileScanner.Scan(folder, options, cancellationToken);
        var projectFile = scan.ProjectFiles.Order(StringComparer.Ordinal).FirstOrDefault();
        var project = projectFile is null ? null : ProjectFileReader.Read(projectFile, folder);
        var name = project?.Name ?? Path.GetFileName(folder);
        var id = ProjectId.CreateNewId(name);
        var paths = scan.SourceFiles.Order(StringComparer.Ordinal).ToList();
        var documents = paths.Select(p => DocumentInfo.Create(
            DocumentId.CreateNewId(id, p),
            Path.GetFileName(p),
            loader: TextLoader.From(TextAndVersion.Create(SourceText.From(File.ReadAllText(p)), VersionStamp.Create(), p)),
            filePath: p));
        var references = project is null ? ReferenceResolver.DefaultFramework() : ReferenceResolver.Resolve(project);

        using var workspace = new AdhocWorkspace();
        var added = workspace.AddProject(ProjectInfoFactory.Create(id, name, project, references, documents));
        var compilation = await added.GetCompilationAsync(cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException("Roslyn gave no compilation for " + folder);
        var files = new List<CorpusFile>();
        foreach (var path in paths)
        {
            var tree = compilation.SyntaxTrees.First(t => string.Equals(t.FilePath, path, StringComparison.Ordinal));
            files.Add(new CorpusFile(path, await tree.GetTextAsync(cancellationToken).ConfigureAwait(false), tree, compilation.GetSemanticModel(tree)));
        }

        var errors = compilation.GetDiagnostics(cancellationToken).Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        return new CorpusProject(folder, name, files, errors);
    }

    /// <summary>The projects of a corpus: each folder directly under <paramref name="corpus"/> that holds a .csproj, in ordinal order.</summary>
    public static IReadOnlyList<string> FoldersIn(string corpus) =>
        [.. Directory.EnumerateDirectories(corpus)
            .Where(d => Directory.EnumerateFiles(d, "*.csproj").Any())
            .Order(StringComparer.Ordinal)];

    /// <summary>
    /// The corpus folder: <paramref name="explicitPath"/> when given, else tests/fixtures/ContextQuality in the
    /// nearest folder at or above the current directory or the program's own folder that has one.
    /// </summary>
    public static string? Locate(string? explicitPath)
    {
        if (explicitPath is not null)
        {
            return Directory.Exists(explicitPath) ? Path.GetFullPath(explicitPath) : null;
        }

        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "tests", "fixtures", "ContextQuality");
                if (Directory.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }
}
