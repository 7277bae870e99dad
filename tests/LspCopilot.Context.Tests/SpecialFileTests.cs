using LspCopilot.Completion;
using LspCopilot.TestSupport;

namespace LspCopilot.Context.Tests;

/// <summary>Only regular files are read from a workspace: a named pipe or device named like a source file never stalls loading.</summary>
public sealed class SpecialFileTests : IDisposable
{
    /// <summary>Long enough for any real load; a FIFO that is opened blocks forever.</summary>
    private static readonly TimeSpan s_hang = TimeSpan.FromSeconds(30);

    private readonly TempWorkspace _workspace = TempWorkspace.Create(
        ("App.csproj", "<Project Sdk=\"Microsoft.NET.Sdk\"><PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup></Project>"),
        ("Shelf.cs", "namespace App;\npublic sealed class Shelf { public int Capacity(int level) => level * 10; }\n"));

    public void Dispose() => _workspace.Dispose();

    [Fact]
    public async Task Fifo_NamedLikeASourceFile_IsSkippedAndLoadingFinishes()
    {
        NamedPipeFile.Create(_workspace.PathOf("Broken.cs"));
        using var provider = _workspace.Provider();
        var uri = _workspace.UriOf("Program.cs");
        var context = await ContextAfterLoadingAsync(provider, uri);

        // The other files' context still works; only Shelf.cs came from disk.
        Assert.Contains("int Capacity(int level)", context!.Rendered, StringComparison.Ordinal);
        Assert.Equal(1, provider.LoadStats(uri)!.Files);
        Assert.Equal(1, provider.LoadStats(uri)!.SkippedNotRegular);
    }

    [Fact]
    public async Task Fifo_NamedLikeAProjectOrGitIgnore_IsSkippedAndLoadingFinishes()
    {
        NamedPipeFile.Create(_workspace.PathOf("sub/Sub.csproj"));
        NamedPipeFile.Create(_workspace.PathOf(".gitignore"));
        NamedPipeFile.Create(_workspace.PathOf("Directory.Build.props"));
        NamedPipeFile.Create(_workspace.PathOf("obj/project.assets.json"));
        using var provider = _workspace.Provider();
        var context = await ContextAfterLoadingAsync(provider, _workspace.UriOf("Program.cs"));

        Assert.Contains("int Capacity(int level)", context!.Rendered, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Loader_SourceFileReplacedByAFifoAfterTheScan_ReadsAsEmpty()
    {
        // Roslyn reads a document only when it first needs its text, which may be long after the scan.
        var loader = new WorkspaceFileLoader(_workspace.PathOf("Shelf.cs"), maxBytes: 1 << 20);
        File.Delete(_workspace.PathOf("Shelf.cs"));
        NamedPipeFile.Create(_workspace.PathOf("Shelf.cs"));

        var loaded = await Task.Run(() => loader.LoadTextAndVersionAsync(new Microsoft.CodeAnalysis.LoadTextOptions(Microsoft.CodeAnalysis.Text.SourceHashAlgorithm.Sha256), TestContext.Current.CancellationToken), TestContext.Current.CancellationToken)
            .WaitAsync(s_hang, TestContext.Current.CancellationToken);

        Assert.Equal(0, loaded.Text.Length);
    }

    [Fact]
    public async Task Loader_FileGrownPastTheCapAfterTheScan_ReadsAsEmpty()
    {
        var loader = new WorkspaceFileLoader(_workspace.PathOf("Shelf.cs"), maxBytes: 16);

        var loaded = await loader.LoadTextAndVersionAsync(new Microsoft.CodeAnalysis.LoadTextOptions(Microsoft.CodeAnalysis.Text.SourceHashAlgorithm.Sha256), TestContext.Current.CancellationToken);

        Assert.Equal(0, loaded.Text.Length);
    }

    [Fact]
    public void Kind_FifoDeviceFolderAndFile_AreToldApart()
    {
        NamedPipeFile.Create(_workspace.PathOf("pipe.cs"));

        Assert.Equal(FileKind.NamedPipe, FileKinds.Of(_workspace.PathOf("pipe.cs")));
        Assert.Equal(FileKind.Regular, FileKinds.Of(_workspace.PathOf("Shelf.cs")));
        Assert.Equal(FileKind.Directory, FileKinds.Of(_workspace.Folder));
        Assert.Equal(FileKind.CharacterDevice, FileKinds.Of("/dev/null"));
        Assert.Equal(FileKind.Missing, FileKinds.Of(_workspace.PathOf("none.cs")));
    }

    /// <summary>Opens Program.cs after a receiver, waits for the folder to load and builds the context — failing, not hanging, if loading blocks.</summary>
    private static Task<ContextResult?> ContextAfterLoadingAsync(RoslynContextProvider provider, string uri)
    {
        var (document, offset) = TempWorkspace.Open(provider, uri, "namespace App;\nclass Program\n{\n    int M(Shelf shelf) => shelf.$$\n}\n");
        return Task.Run(
            async () =>
            {
                await provider.WaitForWorkspaceAsync(uri, TestContext.Current.CancellationToken);
                return await provider.BuildContextAsync(document, offset, TestContext.Current.CancellationToken);
            },
            TestContext.Current.CancellationToken).WaitAsync(s_hang, TestContext.Current.CancellationToken);
    }
}
