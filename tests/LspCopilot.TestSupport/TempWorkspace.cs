using LspCopilot.Completion;
using LspCopilot.Context;
using Microsoft.CodeAnalysis.Text;

namespace LspCopilot.TestSupport;

/// <summary>
/// A throw-away workspace folder for one test: files written from strings (or a fixture copied from
/// tests/fixtures), the caret of the open document marked with <c>$$</c>, and a provider over it.
/// </summary>
public sealed class TempWorkspace : IDisposable
{
    public const string Caret = "$$";

    private TempWorkspace(string folder)
    {
        Folder = folder;
    }

    public string Folder { get; }

    public static TempWorkspace Create(params (string Path, string Content)[] files)
    {
        var workspace = new TempWorkspace(Directory.CreateTempSubdirectory("lspcopilot-analysis-").FullName);
        foreach (var (path, content) in files)
        {
            workspace.Write(path, content);
        }

        return workspace;
    }

    /// <summary>A copy of tests/fixtures/<paramref name="name"/>.</summary>
    public static TempWorkspace FromFixture(string name)
    {
        var workspace = Create();
        var source = Path.Combine(RepoPaths.Root, "tests", "fixtures", name);
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(source, file);
            workspace.Write(relative, File.ReadAllText(file));
        }

        return workspace;
    }

    public string PathOf(string relative) => Path.Combine(Folder, relative);

    public string UriOf(string relative) => new Uri(PathOf(relative)).AbsoluteUri;

    public void Write(string relative, string content)
    {
        var path = PathOf(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    public RoslynContextProvider Provider(AnalysisOptions? options = null, ITokenCounter? tokenizer = null, params string[] roots) =>
        new(roots.Length > 0 ? roots : [Folder], options ?? new AnalysisOptions(), tokenizer, ServerLog.Silent);

    /// <summary>Opens <paramref name="relative"/> with <paramref name="textWithCaret"/> (the caret removed) in the provider; returns the snapshot and the caret offset.</summary>
    public static (DocumentSnapshot Document, int Offset) Open(RoslynContextProvider provider, string uri, string textWithCaret, int version = 1)
    {
        var offset = textWithCaret.IndexOf(Caret, StringComparison.Ordinal);
        Assert.True(offset >= 0, "The test text has no $$ caret.");
        var snapshot = new DocumentSnapshot(uri, "csharp", version, SourceText.From(textWithCaret.Remove(offset, Caret.Length)));
        provider.OnDocumentChanged(uri, snapshot);
        return (snapshot, offset);
    }

    /// <summary>Opens a file of the workspace and waits for the folder to load; the file on disk keeps its text without the caret.</summary>
    public async Task<(DocumentSnapshot Document, int Offset)> OpenAsync(RoslynContextProvider provider, string relative, string textWithCaret)
    {
        Write(relative, textWithCaret.Replace(Caret, string.Empty, StringComparison.Ordinal));
        var opened = Open(provider, UriOf(relative), textWithCaret);
        await provider.WaitForWorkspaceAsync(opened.Document.Uri, TestContext.Current.CancellationToken);
        return opened;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
