using System.Diagnostics;
using LspCopilot.TestSupport;

namespace LspCopilot.Context.Tests;

/// <summary>
/// Issue 15 §3: a restored multi-project workspace — central package versions, a multi-targeting project, a NuGet
/// package and a sibling project — shows the package's API and the sibling's in the prompt with their signatures.
/// The test restores (the product never does).
/// </summary>
public sealed class RestoredWorkspaceTests
{
    private const string Program = "using Newtonsoft.Json;\nnamespace App;\nclass Program\n{\n    object M(Lib.Shelf shelf, JsonSerializerSettings settings) => CARET\n}\n";

    [Fact]
    public async Task BuildContext_RestoredPackageAndSiblingProject_TheirMembersWithSignatures()
    {
        using var workspace = TempWorkspace.Create(
            ("Directory.Packages.props", "<Project><PropertyGroup><ManagePackageVersionsCentrally>true</ManagePackageVersionsCentrally></PropertyGroup><ItemGroup><PackageVersion Include=\"Newtonsoft.Json\" Version=\"13.0.3\" /></ItemGroup></Project>"),
            ("Lib/Lib.csproj", "<Project Sdk=\"Microsoft.NET.Sdk\"><PropertyGroup><TargetFrameworks>net10.0;net9.0</TargetFrameworks></PropertyGroup></Project>"),
            ("Lib/Shelf.cs", "namespace Lib;\npublic sealed class Shelf { public int Capacity(int level) => level * 10; }\n"),
            ("App/App.csproj", "<Project Sdk=\"Microsoft.NET.Sdk\"><PropertyGroup><TargetFrameworks>net10.0;net9.0</TargetFrameworks><ImplicitUsings>enable</ImplicitUsings></PropertyGroup><ItemGroup><PackageReference Include=\"Newtonsoft.Json\" /><ProjectReference Include=\"..\\Lib\\Lib.csproj\" /></ItemGroup></Project>"));
        await RestoreAsync(Path.Combine(workspace.Folder, "App", "App.csproj"));
        Assert.True(File.Exists(Path.Combine(workspace.Folder, "App", "obj", "project.assets.json")));
        using var provider = workspace.Provider();

        var package = await ReceiverAsync(workspace, provider, "settings.$$");
        var sibling = await ReceiverAsync(workspace, provider, "shelf.$$");

        Assert.Contains("Newtonsoft.Json.JsonSerializerSettings", package, StringComparison.Ordinal);
        Assert.Contains("IList<JsonConverter> Converters { get; set; }", package, StringComparison.Ordinal);
        Assert.Contains("int Capacity(int level)", sibling, StringComparison.Ordinal);
    }

    private static async Task<string> ReceiverAsync(TempWorkspace workspace, RoslynContextProvider provider, string expression)
    {
        var (document, offset) = await workspace.OpenAsync(provider, "App/Program.cs", Program.Replace("CARET", expression, StringComparison.Ordinal));
        var context = await provider.BuildContextAsync(document, offset, TestContext.Current.CancellationToken);
        return context?.Sections.SingleOrDefault(s => s.Name == ReceiverMembers.SectionName)?.Text ?? string.Empty;
    }

    /// <summary>Runs <c>dotnet restore</c>; skips the test when NuGet cannot be reached.</summary>
    private static async Task RestoreAsync(string project)
    {
        var start = new ProcessStartInfo("dotnet", ["restore", project]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var errors = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        var said = await output + await errors;
        Assert.SkipWhen(process.ExitCode != 0 && (said.Contains("NU1301", StringComparison.Ordinal) || said.Contains("NU1101", StringComparison.Ordinal)), $"dotnet restore could not reach NuGet: {said}");
        Assert.True(process.ExitCode == 0, said);
    }
}
