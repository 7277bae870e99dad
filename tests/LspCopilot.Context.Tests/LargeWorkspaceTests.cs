using LspCopilot.Completion;
using LspCopilot.TestSupport;

namespace LspCopilot.Context.Tests;

/// <summary>
/// A workspace folder too big to load whole (a filesystem root, the home folder, a huge tree) costs a
/// bounded scan or none, says so once in the log, and never keeps the open document from its context.
/// </summary>
public sealed class LargeWorkspaceTests : IDisposable
{
    /// <summary>Only the bound on a hang: every step here finishes in well under a second.</summary>
    private static readonly TimeSpan s_hang = TimeSpan.FromSeconds(30);

    private const string ProgramText = "namespace App;\nclass Program\n{\n    int OwnHelper() => 1;\n    int M(Shelf shelf) => shelf.$$\n}\n";

    private readonly TempWorkspace _workspace = TempWorkspace.Create(
        ("Shelf.cs", "namespace App;\npublic sealed class Shelf { public int Capacity(int level) => level * 10; }\n"));

    private readonly StringWriter _logText = new();
    private readonly ServerLog _log;

    public LargeWorkspaceTests()
    {
        _log = new ServerLog(LogLevel.Info, _logText);
    }

    public void Dispose() => _workspace.Dispose();

    /// <remarks>The prompt window is taken as empty, so the open document's own outline stands for its context.</remarks>
    private RoslynContextProvider Provider(AnalysisOptions options, string root, Func<string, AnalysisOptions, CancellationToken, ScannedFolder>? scan = null) =>
        new(() => [root], options with { Window = new ContextWindow(0, 0) }, () => TokenEstimate.Instance, _log, scan ?? SourceFileScanner.Scan);

    private static async Task<ContextResult?> ContextWithinAsync(RoslynContextProvider provider, DocumentSnapshot document, int offset) =>
        await Task.Run(() => provider.BuildContextAsync(document, offset, TestContext.Current.CancellationToken), TestContext.Current.CancellationToken)
            .WaitAsync(s_hang, TestContext.Current.CancellationToken);

    [Fact]
    public async Task RootIsTheFilesystemRoot_RefusedAndTheOpenDocumentStillGetsContext()
    {
        var root = Path.GetPathRoot(_workspace.Folder)!;
        using var provider = Provider(new AnalysisOptions(), root);
        var uri = _workspace.UriOf("Program.cs");
        var (document, offset) = TempWorkspace.Open(provider, uri, ProgramText);

        var context = await ContextWithinAsync(provider, document, offset);

        Assert.False(await provider.WaitForWorkspaceAsync(uri, TestContext.Current.CancellationToken));
        Assert.Contains("int OwnHelper()", context!.Rendered, StringComparison.Ordinal);
        Assert.Contains($"The workspace folder {root} is a filesystem root", _logText.ToString(), StringComparison.Ordinal);
        Assert.Contains("Open the project's folder instead", _logText.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RootIsTheHomeFolder_NothingUnderItIsLoaded_TheOpenDocumentStillGetsContext()
    {
        // The temp folder stands in for the home folder.
        using var provider = Provider(new AnalysisOptions { HomeFolder = _workspace.Folder }, _workspace.Folder);
        var uri = _workspace.UriOf("Program.cs");
        var (document, offset) = TempWorkspace.Open(provider, uri, ProgramText);

        var context = await ContextWithinAsync(provider, document, offset);

        Assert.False(await provider.WaitForWorkspaceAsync(uri, TestContext.Current.CancellationToken));
        Assert.Contains("int OwnHelper()", context!.Rendered, StringComparison.Ordinal);
        Assert.DoesNotContain("Capacity", context.Rendered, StringComparison.Ordinal);
        Assert.Single(_logText.ToString().Split('\n'), line => line.Contains("is your home folder", StringComparison.Ordinal));
    }

    [Fact]
    public void Roots_FolderInsideTheHomeFolder_Accepted()
    {
        var roots = new WorkspaceRoots([_workspace.Folder, Path.GetPathRoot(_workspace.Folder)!], homeFolder: Path.GetDirectoryName(_workspace.Folder));

        Assert.Equal([WorkspaceRoots.RealPath(_workspace.Folder)], roots.Paths);
        Assert.Equal("a filesystem root", Assert.Single(roots.Refused).Reason);
    }

    [Fact]
    public async Task Load_TreeLargerThanTheEntryBudget_StopsWithALogLine()
    {
        for (var i = 0; i < 40; i++)
        {
            _workspace.Write($"folder{i % 4}/File{i}.cs", $"namespace App; public static class Type{i} {{ }}\n");
        }

        using var provider = Provider(new AnalysisOptions { MaxScanEntries = 20 }, _workspace.Folder);
        var uri = _workspace.UriOf("Program.cs");
        TempWorkspace.Open(provider, uri, ProgramText);

        await provider.WaitForWorkspaceAsync(uri, TestContext.Current.CancellationToken).WaitAsync(s_hang, TestContext.Current.CancellationToken);

        var stats = provider.LoadStats(uri)!;
        Assert.Equal(ScanLimit.Entries, stats.StoppedBy);
        Assert.InRange(stats.Files, 1, 19);
        Assert.Contains("stopped after looking at 20 files and folders", _logText.ToString(), StringComparison.Ordinal);
        Assert.Contains("open the project's own folder instead", _logText.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Load_TimeBudgetSpent_StopsWithALogLineAndTheDocumentStillGetsContext()
    {
        using var provider = Provider(new AnalysisOptions { MaxScanTime = TimeSpan.Zero }, _workspace.Folder);
        var uri = _workspace.UriOf("Program.cs");
        var (document, offset) = TempWorkspace.Open(provider, uri, ProgramText);

        await provider.WaitForWorkspaceAsync(uri, TestContext.Current.CancellationToken).WaitAsync(s_hang, TestContext.Current.CancellationToken);
        var context = await ContextWithinAsync(provider, document, offset);

        Assert.Equal(ScanLimit.Time, provider.LoadStats(uri)!.StoppedBy);
        Assert.Contains("stopped after 0 s of scanning", _logText.ToString(), StringComparison.Ordinal);
        Assert.Contains("int OwnHelper()", context!.Rendered, StringComparison.Ordinal);
    }

    [Fact]
    public void Scan_Cancelled_StopsWithOperationCanceled()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(() => SourceFileScanner.Scan(_workspace.Folder, new AnalysisOptions(), cancelled.Token));
    }

    [Fact]
    public async Task BuildContext_FolderStillLoading_AnswersFromTheOpenDocumentWithoutWaiting()
    {
        using var release = new ManualResetEventSlim();
        using var scanning = new ManualResetEventSlim();
        ScannedFolder HeldScan(string root, AnalysisOptions options, CancellationToken cancellationToken)
        {
            scanning.Set();
            release.Wait(cancellationToken);
            return SourceFileScanner.Scan(root, options, cancellationToken);
        }

        using var provider = Provider(new AnalysisOptions(), _workspace.Folder, HeldScan);
        var uri = _workspace.UriOf("Program.cs");
        var (document, offset) = TempWorkspace.Open(provider, uri, ProgramText);
        Assert.True(scanning.Wait(s_hang, TestContext.Current.CancellationToken));

        var whileLoading = await ContextWithinAsync(provider, document, offset);
        var again = await ContextWithinAsync(provider, document, offset);

        // Answered from the document alone while the folder's scan is still held.
        Assert.False(release.IsSet);
        Assert.Contains("int OwnHelper()", whileLoading!.Rendered, StringComparison.Ordinal);
        Assert.DoesNotContain("Capacity", whileLoading.Rendered, StringComparison.Ordinal);
        Assert.Equal(whileLoading.Rendered, again!.Rendered);

        release.Set();
        await provider.WaitForWorkspaceAsync(uri, TestContext.Current.CancellationToken).WaitAsync(s_hang, TestContext.Current.CancellationToken);
        var loaded = await ContextWithinAsync(provider, document, offset);

        Assert.Contains("int Capacity(int level)", loaded!.Rendered, StringComparison.Ordinal);
    }
}
