using System.Text.Json;
using LspCopilot.TestSupport;

namespace LspCopilot.Deploy.Tests;

/// <summary>doctor's deployment checks on bad input: the token file, an empty model mount, --require-gpu without a GPU.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class DoctorDeploymentTests
{
    private static Task<ChildProcess.Result> DoctorAsync(string home, params string[] args) =>
        ChildProcess.RunAsync(Path.Combine(RepoFiles.ServerBuildFolder, "lspcopilot"), ["doctor", .. args], home);

    [Fact]
    public async Task TokenFileReadableByEveryone_WarnsWithTheChmodToRun()
    {
        using var temp = new TempFolder();
        var token = temp.File("token");
        await File.WriteAllTextAsync(token, "secret", TestContext.Current.CancellationToken);
        File.SetUnixFileMode(token, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var result = await DoctorAsync(temp.Path, "--token-file", token);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains($"WARNING: The token file '{token}' is readable by every user of this machine (mode 0644)", result.Stdout, StringComparison.Ordinal);
        Assert.Contains($"chmod 600 {token}", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TokenFileOwnerOnly_IsOk()
    {
        using var temp = new TempFolder();
        var token = temp.File("token");
        await File.WriteAllTextAsync(token, "secret", TestContext.Current.CancellationToken);
        File.SetUnixFileMode(token, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var result = await DoctorAsync(temp.Path, "--json", "--token-file", token);

        Assert.True(result.ExitCode == 0, result.Output);
        using var json = JsonDocument.Parse(result.Stdout);
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("token_file").GetProperty("warning").ValueKind);
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("token_file").GetProperty("error").ValueKind);
    }

    [Fact]
    public async Task TokenFileMissing_FailsNamingIt()
    {
        using var temp = new TempFolder();
        var token = temp.File("no-such-token");

        var result = await DoctorAsync(temp.Path, "--token-file", token);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"ERROR: Cannot read the token file '{token}'", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ModelMountEmpty_SaysTheFolderIsEmpty()
    {
        using var temp = new TempFolder();
        var models = temp.File("models");
        Directory.CreateDirectory(models);

        var result = await DoctorAsync(temp.Path, "--model", Path.Combine(models, "model.gguf"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"The folder '{models}' is empty: if it is a mount (a container's /models), the host folder mounted there is empty", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ModelMountHoldsOtherFiles_NamesThem()
    {
        using var temp = new TempFolder();
        var models = temp.File("models");
        Directory.CreateDirectory(models);
        await File.WriteAllTextAsync(Path.Combine(models, "README.txt"), "x", TestContext.Current.CancellationToken);

        var result = await DoctorAsync(temp.Path, "--model", Path.Combine(models, "model.gguf"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("holds no .gguf file (it holds README.txt)", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RequireGpuWithoutGpu_ExitsFourSayingWhichBackendLoaded()
    {
        using var temp = new TempFolder();

        var result = await DoctorAsync(temp.Path, "--json", "--require-gpu");

        Assert.Equal(Server.Hosting.GpuRequirement.ExitCode, result.ExitCode);
        using var json = JsonDocument.Parse(result.Stdout);
        var check = json.RootElement.GetProperty("require_gpu");
        Assert.False(check.GetProperty("ok").GetBoolean());
        Assert.Equal("CPU", check.GetProperty("backend").GetString());
        Assert.Contains("--gpus all", check.GetProperty("problem").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WorkerWithWorldReadableToken_WarnsInItsLog()
    {
        using var temp = new TempFolder();
        var token = temp.File("token");
        await File.WriteAllTextAsync(token, "secret", TestContext.Current.CancellationToken);
        File.SetUnixFileMode(token, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);

        // --require-gpu stops it right after the token check: no model is needed to see the warning.
        var result = await ChildProcess.RunAsync(Path.Combine(RepoFiles.ServerBuildFolder, "lspcopilot"), ["worker", "--listen", "127.0.0.1:0", "--token-file", token, "--require-gpu"], temp.Path);

        Assert.Equal(Server.Hosting.GpuRequirement.ExitCode, result.ExitCode);
        Assert.Contains("is readable by every user of this machine", result.Stderr, StringComparison.Ordinal);
    }
}
