using LspCopilot.TestSupport;

namespace LspCopilot.Context.Tests;

/// <summary>Files the editor does not hold open, edited on disk and reported by its watcher: analysis reads them again.</summary>
public sealed class FilesChangedOnDiskTests
{
    private const string Project = "<Project Sdk=\"Microsoft.NET.Sdk\"><PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup></Project>";

    private const string Program = """
        namespace App;

        public class Program
        {
            public int Run(int input)
            {
                $$
                return input;
            }
        }
        """;

    private const string Calculator = "namespace App;\n\npublic static class Calculator\n{\n    public static int Twice(int value) => value * 2;\n}\n";

    private const string Candidate = "input = Calculator.Thrice(input);";

    [Fact]
    public async Task FileChangedOnDisk_TheCompileCheckSeesTheNewText()
    {
        using var workspace = TempWorkspace.Create(("App.csproj", Project), ("Calculator.cs", Calculator));
        using var provider = workspace.Provider();
        var (document, offset) = await workspace.OpenAsync(provider, "Program.cs", Program);
        var before = await AddedErrorsAsync(provider, document, offset);

        workspace.Write("Calculator.cs", Calculator.Replace("Twice", "Thrice", StringComparison.Ordinal));
        provider.OnFileChanged(workspace.UriOf("Calculator.cs"), FileChangeKind.Changed);
        var after = await AddedErrorsAsync(provider, document, offset);

        Assert.True(before > 0, "Thrice does not exist yet.");
        Assert.Equal(0, after);
    }

    [Fact]
    public async Task FileCreatedThenDeletedOnDisk_JoinsThenLeavesTheProject()
    {
        using var workspace = TempWorkspace.Create(("App.csproj", Project));
        using var provider = workspace.Provider();
        var (document, offset) = await workspace.OpenAsync(provider, "Program.cs", Program);

        workspace.Write("Calculator.cs", Calculator.Replace("Twice", "Thrice", StringComparison.Ordinal));
        provider.OnFileChanged(workspace.UriOf("Calculator.cs"), FileChangeKind.Created);
        var created = await AddedErrorsAsync(provider, document, offset);
        File.Delete(workspace.PathOf("Calculator.cs"));
        provider.OnFileChanged(workspace.UriOf("Calculator.cs"), FileChangeKind.Deleted);
        var deleted = await AddedErrorsAsync(provider, document, offset);

        Assert.Equal(0, created);
        Assert.True(deleted > 0, "Calculator is gone again.");
    }

    [Fact]
    public async Task ProjectFileChangedOnDisk_TheFolderReloadsWithTheNewFiles()
    {
        using var workspace = TempWorkspace.Create(("App.csproj", Project));
        using var provider = workspace.Provider();
        var (document, offset) = await workspace.OpenAsync(provider, "Program.cs", Program);

        // A file the watcher never reported: only the reload finds it.
        workspace.Write("Calculator.cs", Calculator.Replace("Twice", "Thrice", StringComparison.Ordinal));
        provider.OnFileChanged(workspace.UriOf("App.csproj"), FileChangeKind.Changed);
        await provider.WaitForWorkspaceAsync(document.Uri, TestContext.Current.CancellationToken);
        var reloaded = await AddedErrorsAsync(provider, document, offset);

        Assert.Equal(0, reloaded);
    }

    [Fact]
    public async Task OpenFileChangedOnDisk_TheEditorsTextWins()
    {
        using var workspace = TempWorkspace.Create(("App.csproj", Project), ("Calculator.cs", Calculator));
        using var provider = workspace.Provider();
        var (document, offset) = await workspace.OpenAsync(provider, "Program.cs", Program);

        workspace.Write("Program.cs", "namespace App;\n\npublic class Other { }\n");
        provider.OnFileChanged(workspace.UriOf("Program.cs"), FileChangeKind.Changed);
        var ranking = await provider.RankAsync(document, offset, ["input = Calculator.Twice(input);"], TestContext.Current.CancellationToken);

        Assert.Equal(0, ranking.Ranked.Single().AddedErrors);
    }

    private static async Task<int> AddedErrorsAsync(RoslynContextProvider provider, LspCopilot.Completion.DocumentSnapshot document, int offset)
    {
        var ranking = await provider.RankAsync(document, offset, [Candidate], TestContext.Current.CancellationToken);
        return ranking.Ranked.Count == 0 ? int.MaxValue : ranking.Ranked[0].AddedErrors;
    }
}
