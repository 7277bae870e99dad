using System.IO.Compression;
using System.Text.Json;
using LspCopilot.TestSupport;

namespace LspCopilot.Deploy.Tests;

/// <summary><c>lspcopilot</c> as a .NET tool: packed, installed from the package folder, and run from the PATH.</summary>
public sealed class ToolPackageTests
{
    [Fact]
    [Trait("Category", "Slow")]
    public async Task Pack_InstalledAsTool_RunsVersionAndDoctorFromThePath()
    {
        using var temp = new TempFolder();
        var packages = temp.File("packages");
        // --no-build: the package is made from the build the tests run against (CI builds first).
        var pack = await ChildProcess.RunAsync("dotnet", ["pack", RepoFiles.ServerProject, "-c", RepoFiles.Configuration, "--no-build", "--nologo", "-o", packages], RepoPaths.Root);
        Assert.True(pack.ExitCode == 0, pack.Output);
        var package = Assert.Single(Directory.GetFiles(packages, "lspcopilot.*.nupkg"));
        using (var zip = ZipFile.OpenRead(package))
        {
            var settings = zip.Entries.Single(e => e.FullName.EndsWith("DotnetToolSettings.xml", StringComparison.Ordinal));
            await using var stream = settings.Open();
            var xml = await System.Xml.Linq.XDocument.LoadAsync(stream, System.Xml.Linq.LoadOptions.None, TestContext.Current.CancellationToken);
            Assert.Equal("lspcopilot", Assert.Single(xml.Descendants("Command")).Attribute("Name")?.Value);
            // The CPU natives ship inside the tool.
            Assert.Contains(zip.Entries, e => e.FullName.EndsWith("runtimes/linux-x64/native/avx2/libllama.so", StringComparison.Ordinal));
        }

        // Only the folder just packed is a source: a package of the same name on a public feed must not win.
        var config = temp.File("nuget.config");
        await File.WriteAllTextAsync(config, $"<configuration><packageSources><clear /><add key=\"local\" value=\"{packages}\" /></packageSources></configuration>", TestContext.Current.CancellationToken);
        var tools = temp.File("tools");
        var install = await ChildProcess.RunAsync("dotnet", ["tool", "install", "lspcopilot", "--tool-path", tools, "--configfile", config], temp.Path);
        Assert.True(install.ExitCode == 0, install.Output);

        // Run by name through the PATH, as after `dotnet tool install -g`.
        var path = new Dictionary<string, string?> { ["PATH"] = tools + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH") };
        var version = await ChildProcess.RunAsync("/bin/sh", ["-c", "lspcopilot --version"], temp.Path, path);
        Assert.True(version.ExitCode == 0, version.Output);
        Assert.StartsWith("1.0.0", version.Stdout.Trim(), StringComparison.Ordinal);

        var doctor = await ChildProcess.RunAsync("/bin/sh", ["-c", "lspcopilot doctor --json"], temp.Path, path);
        Assert.True(doctor.ExitCode == 0, doctor.Output);
        using var json = JsonDocument.Parse(doctor.Stdout);
        Assert.True(json.RootElement.GetProperty("native").GetProperty("loaded").GetBoolean(), doctor.Stdout);
        // The natives it loaded are the tool's own.
        Assert.StartsWith(tools, json.RootElement.GetProperty("native").GetProperty("library").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pack_WritesToArtifactsAsTheLspcopilotTool()
    {
        var result = await ChildProcess.RunAsync("dotnet", ["msbuild", RepoFiles.ServerProject, "-getProperty:PackageOutputPath", "-getProperty:PackAsTool", "-getProperty:ToolCommandName", "-getProperty:PackageId", "-nologo"], RepoPaths.Root);
        Assert.True(result.ExitCode == 0, result.Output);
        using var json = JsonDocument.Parse(result.Stdout);
        var properties = json.RootElement.GetProperty("Properties");
        Assert.Equal(Path.Combine(RepoPaths.Root, "artifacts") + Path.DirectorySeparatorChar, Path.GetFullPath(properties.GetProperty("PackageOutputPath").GetString()!));
        Assert.Equal("true", properties.GetProperty("PackAsTool").GetString());
        Assert.Equal("lspcopilot", properties.GetProperty("ToolCommandName").GetString());
        Assert.Equal("lspcopilot", properties.GetProperty("PackageId").GetString());
    }

    [Fact]
    public async Task LlamaBackendCuda12_ReferencesTheCudaBackendInsteadOfTheCpuOne()
    {
        var engine = Path.Combine(RepoPaths.Root, "server", "LspCopilot.Engine", "LspCopilot.Engine.csproj");
        var cuda = await PackageReferencesAsync(engine, "Cuda12");
        Assert.Contains("LLamaSharp.Backend.Cuda12", cuda);
        Assert.DoesNotContain("LLamaSharp.Backend.Cpu", cuda);
        var cpu = await PackageReferencesAsync(engine, null);
        Assert.Contains("LLamaSharp.Backend.Cpu", cpu);
        Assert.DoesNotContain("LLamaSharp.Backend.Cuda12", cpu);
    }

    [Fact]
    public async Task LlamaBackendUnknown_StopsWithAMessageNamingTheChoices()
    {
        var engine = Path.Combine(RepoPaths.Root, "server", "LspCopilot.Engine", "LspCopilot.Engine.csproj");
        var result = await ChildProcess.RunAsync("dotnet", ["msbuild", engine, "-t:CheckLlamaBackend", "-p:LlamaBackend=Cuda11", "-nologo"], RepoPaths.Root);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("LlamaBackend 'Cuda11' is not one this project builds", result.Stdout + result.Stderr);
        Assert.Contains("-p:LlamaBackend=Cuda12", result.Stdout + result.Stderr);
    }

    /// <summary>The package references MSBuild evaluates for the project (no restore: the CUDA package is not served here).</summary>
    private static async Task<List<string>> PackageReferencesAsync(string project, string? backend)
    {
        List<string> args = ["msbuild", project, "-getItem:PackageReference", "-nologo"];
        if (backend is not null)
        {
            args.Add("-p:LlamaBackend=" + backend);
        }

        var result = await ChildProcess.RunAsync("dotnet", args, RepoPaths.Root);
        Assert.True(result.ExitCode == 0, result.Output);
        using var json = JsonDocument.Parse(result.Stdout);
        return [.. json.RootElement.GetProperty("Items").GetProperty("PackageReference").EnumerateArray().Select(i => i.GetProperty("Identity").GetString()!)];
    }
}
