using LspCopilot.Completion;
using LspCopilot.TestSupport;
using Microsoft.CodeAnalysis.Text;

namespace LspCopilot.Context.Tests;

/// <summary>Nothing outside the workspace roots is read from disk or sent to the model.</summary>
public sealed class WorkspaceBoundaryTests : IDisposable
{
    private readonly TempWorkspace _outer;
    private readonly string _root;
    private readonly string _outside;

    public WorkspaceBoundaryTests()
    {
        // outer/root is the workspace folder; outer/outside holds a secret next to it.
        _outer = TempWorkspace.Create(
            ("root/App.csproj", "<Project Sdk=\"Microsoft.NET.Sdk\"><PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup></Project>"),
            ("root/Inside.cs", "namespace App;\npublic static class InsideHelper { public static int InsideValue() => 1; }\n"),
            ("outside/Secret.cs", "namespace App;\npublic static class SecretOutside { public static string LeakedSecretToken() => \"x\"; }\n"));
        _root = _outer.PathOf("root");
        _outside = _outer.PathOf("outside");
    }

    public void Dispose() => _outer.Dispose();

    [Theory]
    [InlineData("root/../outside/Secret.cs")]
    [InlineData("root/%2e%2e/outside/Secret.cs")]
    [InlineData("root/%2E%2E/outside/Secret.cs")]
    public void RootOfUri_DotSegmentsLeavingTheRoot_NoRoot(string relative)
    {
        var roots = new WorkspaceRoots([_root]);
        var uri = new Uri(_outer.Folder + "/").AbsoluteUri + relative;

        Assert.Null(roots.RootOfUri(uri, out _));
    }

    [Fact]
    public void RootOfUri_DotSegmentsStayingInside_TheRoot()
    {
        var roots = new WorkspaceRoots([_root]);
        var uri = new Uri(_outer.Folder + "/").AbsoluteUri + "root/sub/../Inside.cs";

        Assert.Equal(WorkspaceRoots.RealPath(_root), roots.RootOfUri(uri, out var path));
        Assert.Equal(Path.Combine(WorkspaceRoots.RealPath(_root), "Inside.cs"), path);
    }

    [Theory]
    [InlineData("untitled:Untitled-1")]
    [InlineData("https://example.com/x.cs")]
    [InlineData("file://server/share/x.cs")]
    [InlineData("file:///c:/x/y.cs")]
    [InlineData("not a uri")]
    public void TryGetLocalPath_NotALocalAbsoluteFile_False(string uri)
    {
        if (OperatingSystem.IsWindows() && uri.StartsWith("file:///c:", StringComparison.Ordinal))
        {
            return;
        }

        Assert.False(WorkspaceRoots.TryGetLocalPath(uri, out _));
    }

    [Fact]
    public void RootOf_SymlinkOutOfTheRoot_NoRoot()
    {
        var link = Path.Combine(_root, "Linked.cs");
        File.CreateSymbolicLink(link, Path.Combine(_outside, "Secret.cs"));
        var roots = new WorkspaceRoots([_root]);

        Assert.Null(roots.RootOf(link));
    }

    [Fact]
    public void RootOf_SymlinkedFolderOutOfTheRoot_NoRoot()
    {
        var link = Path.Combine(_root, "linked");
        Directory.CreateSymbolicLink(link, _outside);
        var roots = new WorkspaceRoots([_root]);

        Assert.Null(roots.RootOf(Path.Combine(link, "Secret.cs")));
    }

    [Fact]
    public async Task BuildContext_SymlinksOutOfTheRoot_TheirCodeNeverAppears()
    {
        File.CreateSymbolicLink(Path.Combine(_root, "Linked.cs"), Path.Combine(_outside, "Secret.cs"));
        Directory.CreateSymbolicLink(Path.Combine(_root, "linked"), _outside);
        using var provider = new RoslynContextProvider([_root], new AnalysisOptions(), null, ServerLog.Silent);
        var uri = new Uri(Path.Combine(_root, "Program.cs")).AbsoluteUri;
        var (document, offset) = TempWorkspace.Open(provider, uri, "namespace App;\nclass Program\n{\n    void M()\n    {\n        var a = InsideHelper.InsideValue();\n        var b = SecretOutside.$$\n    }\n}\n");
        await provider.WaitForWorkspaceAsync(uri, TestContext.Current.CancellationToken);

        var context = await provider.BuildContextAsync(document, offset, TestContext.Current.CancellationToken);

        Assert.Contains("InsideValue", context!.Rendered, StringComparison.Ordinal);
        Assert.DoesNotContain("LeakedSecretToken", context.Rendered, StringComparison.Ordinal);
        // Only Inside.cs was loaded from disk (Program.cs is the editor's).
        Assert.Equal(1, provider.LoadStats(uri)!.Files);
    }

    [Theory]
    [InlineData("root/../outside/Secret.cs")]
    [InlineData("root/%2e%2e/outside/Secret.cs")]
    public async Task BuildContext_DocumentOutsideTheRoot_ItsOwnTextOnly(string relative)
    {
        // An empty prompt window, so the document's own outline stands for what its text gives.
        using var provider = new RoslynContextProvider([_root], new AnalysisOptions { Window = new ContextWindow(0, 0) }, null, ServerLog.Silent);
        var uri = new Uri(_outer.Folder + "/").AbsoluteUri + relative;
        var (document, offset) = TempWorkspace.Open(provider, uri, "namespace App;\nclass Outside\n{\n    int Own() => 2;\n    void M()\n    {\n        var a = InsideHelper.$$\n    }\n}\n");

        Assert.False(await provider.WaitForWorkspaceAsync(uri, TestContext.Current.CancellationToken));
        var context = await provider.BuildContextAsync(document, offset, TestContext.Current.CancellationToken);

        Assert.Contains("int Own()", context!.Rendered, StringComparison.Ordinal);
        Assert.DoesNotContain("InsideValue", context.Rendered, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OnDocumentChanged_CloseOfOutsideDocument_ReadsNothingFromDisk()
    {
        using var provider = new RoslynContextProvider([_root], new AnalysisOptions(), null, ServerLog.Silent);
        var uri = new Uri(_outer.Folder + "/").AbsoluteUri + "root/%2e%2e/outside/Secret.cs";
        provider.OnDocumentChanged(uri, new DocumentSnapshot(uri, "csharp", 1, SourceText.From("class Edited { }")));
        provider.OnDocumentChanged(uri, null);

        // Reopened with new text, the old (disk or editor) text is gone: only the new text is known.
        var (document, offset) = TempWorkspace.Open(provider, uri, "class Fresh\n{\n    void M()\n    {\n        $$\n    }\n}\n", version: 2);
        var context = await provider.BuildContextAsync(document, offset, TestContext.Current.CancellationToken);

        Assert.DoesNotContain("LeakedSecretToken", context?.Rendered ?? string.Empty, StringComparison.Ordinal);
        Assert.DoesNotContain("Edited", context?.Rendered ?? string.Empty, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Load_GitIgnoredAndBuildOutputFolders_Skipped()
    {
        _outer.Write("root/.gitignore", "Generated/\n*.g.cs\n!Keep.g.cs\n");
        _outer.Write("root/Generated/Ignored.cs", "namespace App; public static class IgnoredByGit { }\n");
        _outer.Write("root/Other.g.cs", "namespace App; public static class IgnoredByPattern { }\n");
        _outer.Write("root/Keep.g.cs", "namespace App; public static class KeptByNegation { }\n");
        _outer.Write("root/obj/Debug/Out.cs", "namespace App; public static class BuildOutput { }\n");
        using var provider = new RoslynContextProvider([_root], new AnalysisOptions(), null, ServerLog.Silent);
        var uri = new Uri(Path.Combine(_root, "Program.cs")).AbsoluteUri;
        var (document, offset) = TempWorkspace.Open(provider, uri, "namespace App;\nclass Program\n{\n    void M()\n    {\n        $$\n    }\n}\n");
        await provider.WaitForWorkspaceAsync(uri, TestContext.Current.CancellationToken);

        // Inside.cs and Keep.g.cs; the open Program.cs is the editor's.
        await provider.BuildContextAsync(document, offset, TestContext.Current.CancellationToken);
        Assert.Equal(2, provider.LoadStats(uri)!.Files);
    }
}
