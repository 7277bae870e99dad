using LspCopilot.Completion;
using LspCopilot.TestSupport;

namespace LspCopilot.Context.Tests;

public sealed class ProjectLoadingTests
{
    private const string SdkProject = "<Project Sdk=\"Microsoft.NET.Sdk\"><PropertyGroup><TargetFramework>net10.0</TargetFramework><ImplicitUsings>enable</ImplicitUsings><Nullable>enable</Nullable></PropertyGroup>ITEMS</Project>";

    private static string Project(string items = "") => SdkProject.Replace("ITEMS", items, StringComparison.Ordinal);

    private static async Task<string> ReceiverAtAsync(TempWorkspace workspace, string relative, string textWithCaret)
    {
        using var provider = workspace.Provider();
        var (document, offset) = await workspace.OpenAsync(provider, relative, textWithCaret);
        var context = await provider.BuildContextAsync(document, offset, TestContext.Current.CancellationToken);
        return context?.Sections.SingleOrDefault(s => s.Name == ReceiverMembers.SectionName)?.Text ?? string.Empty;
    }

    [Fact]
    public async Task BuildContext_ProjectReference_SeesTheReferencedProject()
    {
        using var workspace = TempWorkspace.Create(
            ("Lib/Lib.csproj", Project()),
            ("Lib/Shelf.cs", "namespace Lib;\npublic sealed class Shelf { public int Capacity(int level) => level * 10; }\n"),
            ("App/App.csproj", Project("<ItemGroup><ProjectReference Include=\"..\\Lib\\Lib.csproj\" /></ItemGroup>")));

        var receiver = await ReceiverAtAsync(workspace, "App/Program.cs", "namespace App;\nclass Program\n{\n    int M(Lib.Shelf shelf) => shelf.$$\n}\n");

        Assert.Contains("int Capacity(int level)", receiver, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BuildContext_NoProjectReference_TheOtherProjectIsInvisible()
    {
        using var workspace = TempWorkspace.Create(
            ("Lib/Lib.csproj", Project()),
            ("Lib/Shelf.cs", "namespace Lib;\npublic sealed class Shelf { public int Capacity(int level) => level * 10; }\n"),
            ("App/App.csproj", Project()));

        var receiver = await ReceiverAtAsync(workspace, "App/Program.cs", "namespace App;\nclass Program\n{\n    int M(Lib.Shelf shelf) => shelf.$$\n}\n");

        Assert.Equal(string.Empty, receiver);
    }

    [Fact]
    public async Task BuildContext_ImplicitUsings_BclTypesResolveWithoutUsings()
    {
        using var workspace = TempWorkspace.Create(("App.csproj", Project()));

        var receiver = await ReceiverAtAsync(workspace, "Program.cs", "class Program\n{\n    void M()\n    {\n        var items = new List<int>();\n        items.$$\n    }\n}\n");

        Assert.Contains("void Add(int item)", receiver, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BuildContext_PackageReferenceInTheNuGetCache_ItsTypesResolve()
    {
        var cache = ReferenceResolver.NuGetCache();
        Assert.SkipUnless(Directory.Exists(Path.Combine(cache, "newtonsoft.json", "13.0.3")), $"Newtonsoft.Json 13.0.3 is not in the NuGet cache {cache}.");
        using var workspace = TempWorkspace.Create(("App.csproj", Project("<ItemGroup><PackageReference Include=\"Newtonsoft.Json\" Version=\"13.0.3\" /></ItemGroup>")));

        var receiver = await ReceiverAtAsync(workspace, "Program.cs", "class Program\n{\n    string M(object o) => Newtonsoft.Json.JsonConvert.$$\n}\n");

        Assert.Contains("static string SerializeObject(object? value)", receiver, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BuildContext_CentralPackageVersion_ResolvesThePackage()
    {
        var cache = ReferenceResolver.NuGetCache();
        Assert.SkipUnless(Directory.Exists(Path.Combine(cache, "newtonsoft.json", "13.0.4")), $"Newtonsoft.Json 13.0.4 is not in the NuGet cache {cache}.");
        using var workspace = TempWorkspace.Create(
            ("Directory.Packages.props", "<Project><PropertyGroup><ManagePackageVersionsCentrally>true</ManagePackageVersionsCentrally></PropertyGroup><ItemGroup><PackageVersion Include=\"Newtonsoft.Json\" Version=\"13.0.4\" /></ItemGroup></Project>"),
            ("src/App.csproj", Project("<ItemGroup><PackageReference Include=\"Newtonsoft.Json\" /></ItemGroup>")));

        var project = ProjectFileReader.Read(workspace.PathOf("src/App.csproj"), workspace.Folder);
        var receiver = await ReceiverAtAsync(workspace, "src/Program.cs", "class Program\n{\n    string M(object o) => Newtonsoft.Json.JsonConvert.$$\n}\n");

        Assert.Equal(new PackageReferenceItem("Newtonsoft.Json", "13.0.4"), Assert.Single(project.Packages));
        Assert.Contains("SerializeObject", receiver, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_DirectoryBuildPropsAboveTheProject_PropertiesApply()
    {
        using var workspace = TempWorkspace.Create(
            ("Directory.Build.props", "<Project><PropertyGroup><LangVersion>12</LangVersion><Nullable>enable</Nullable><Tfm>net10.0</Tfm></PropertyGroup></Project>"),
            ("src/App/App.csproj", "<Project Sdk=\"Microsoft.NET.Sdk.Web\"><PropertyGroup><TargetFramework>$(Tfm)</TargetFramework></PropertyGroup><ItemGroup><Using Include=\"System.Text\" /></ItemGroup></Project>"));

        var project = ProjectFileReader.Read(workspace.PathOf("src/App/App.csproj"), workspace.Folder);

        Assert.Equal("net10.0", project.TargetFramework);
        Assert.Equal("12", project.LangVersion);
        Assert.True(project.Nullable);
        Assert.Equal("Microsoft.NET.Sdk.Web", project.Sdk);
        Assert.Equal(["System.Text"], project.Usings);
    }

    [Fact]
    public void Read_PropsFileAboveTheWorkspaceFolder_NotRead()
    {
        using var workspace = TempWorkspace.Create(
            ("Directory.Build.props", "<Project><PropertyGroup><LangVersion>7.3</LangVersion></PropertyGroup></Project>"),
            ("root/App.csproj", "<Project Sdk=\"Microsoft.NET.Sdk\"><PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup></Project>"));

        var project = ProjectFileReader.Read(workspace.PathOf("root/App.csproj"), workspace.PathOf("root"));

        Assert.Null(project.LangVersion);
    }

    [Fact]
    public void Read_MalformedProject_DefaultsInsteadOfThrowing()
    {
        using var workspace = TempWorkspace.Create(("Bad.csproj", "<Project><PropertyGroup>"));

        var project = ProjectFileReader.Read(workspace.PathOf("Bad.csproj"), workspace.Folder);

        Assert.Equal("Bad", project.Name);
        Assert.Null(project.TargetFramework);
    }
}

/// <summary>Issue 15 §3: a project never restored is said once, and its code is still analysed with the framework references.</summary>
public sealed class UnrestoredProjectTests
{
    [Fact]
    public async Task Load_ProjectWithPackagesNeverRestored_SaysSoOnceAndKeepsFrameworkTypes()
    {
        using var workspace = TempWorkspace.Create(("App.csproj", "<Project Sdk=\"Microsoft.NET.Sdk\"><PropertyGroup><TargetFramework>net10.0</TargetFramework><ImplicitUsings>enable</ImplicitUsings></PropertyGroup><ItemGroup><PackageReference Include=\"No.Such.Package.Anywhere\" Version=\"1.2.3\" /></ItemGroup></Project>"));
        var log = new StringWriter();
        using var provider = new RoslynContextProvider([workspace.Folder], new AnalysisOptions(), null, new ServerLog(LogLevel.Info, log));
        var (document, offset) = await workspace.OpenAsync(provider, "Program.cs", "class Program\n{\n    void M()\n    {\n        var items = new List<int>();\n        items.$$\n    }\n}\n");

        var context = await provider.BuildContextAsync(document, offset, TestContext.Current.CancellationToken);
        await provider.BuildContextAsync(document, offset, TestContext.Current.CancellationToken);

        Assert.Contains("void Add(int item)", context!.Sections.Single(s => s.Name == ReceiverMembers.SectionName).Text, StringComparison.Ordinal);
        var said = log.ToString().Split('\n').Count(l => l.Contains("App has never been restored (no obj/project.assets.json)", StringComparison.Ordinal));
        Assert.Equal(1, said);
    }
}
