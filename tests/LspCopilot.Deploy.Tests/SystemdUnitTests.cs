using LspCopilot.TestSupport;

namespace LspCopilot.Deploy.Tests;

/// <summary>deploy/lspcopilot-worker.service: accepted by systemd-analyze verify, and holding what the issue asks of it.</summary>
public sealed class SystemdUnitTests
{
    private static readonly string s_unit = RepoFiles.Deploy("lspcopilot-worker.service");

    [Fact]
    public async Task WorkerUnit_SystemdAnalyzeVerify_AcceptsIt()
    {
        var verify = await VerifyAsync(File.ReadAllText(s_unit));
        Assert.True(verify.ExitCode == 0 && verify.Complaints.Count == 0, $"systemd-analyze verify: exit {verify.ExitCode}\n{string.Join('\n', verify.Complaints)}");
    }

    [Fact]
    public async Task SystemdAnalyzeVerify_AMisspelledKey_IsReported()
    {
        // The check above would pass a unit systemd half-ignores if complaints were not read: prove they are.
        var verify = await VerifyAsync(File.ReadAllText(s_unit).Replace("Restart=on-failure", "Restrat=on-failure", StringComparison.Ordinal));
        Assert.Contains(verify.Complaints, c => c.Contains("Unknown key 'Restrat'", StringComparison.Ordinal));
    }

    [Fact]
    public void WorkerUnit_RestartsOnFailureAllowsMlockAndIsHardened()
    {
        var lines = File.ReadAllLines(s_unit);
        string Value(string key) => lines.Single(l => l.StartsWith(key + "=", StringComparison.Ordinal))[(key.Length + 1)..];
        Assert.Equal("on-failure", Value("Restart"));
        Assert.Equal("infinity", Value("LimitMEMLOCK"));
        Assert.Contains("--mlock", Value("ExecStart").Split(' '));
        Assert.Equal("yes", Value("NoNewPrivileges"));
        Assert.Equal("strict", Value("ProtectSystem"));
        Assert.NotEqual("root", Value("User"));
        // GPUs are device files: PrivateDevices would hide them.
        Assert.DoesNotContain(lines, l => l.StartsWith("PrivateDevices=yes", StringComparison.Ordinal));
        // The token reaches the worker as a credential, never on the command line.
        Assert.Contains("--token-file %d/token", Value("ExecStart"), StringComparison.Ordinal);
        Assert.StartsWith("token:", Value("LoadCredential"), StringComparison.Ordinal);
    }

    /// <summary>
    /// Runs systemd-analyze verify on <paramref name="text"/> with the install folder pointed at the built server (verify
    /// checks that ExecStart's program exists); complaints are the lines that name the unit.
    /// </summary>
    private static async Task<(int ExitCode, List<string> Complaints)> VerifyAsync(string text)
    {
        var analyze = new[] { "/usr/bin/systemd-analyze", "/bin/systemd-analyze" }.FirstOrDefault(File.Exists);
        Assert.SkipWhen(analyze is null, "systemd-analyze is not installed (apt-get install systemd): the unit cannot be verified here.");
        using var temp = new TempFolder();
        var unit = temp.File("lspcopilot-worker.service");
        await File.WriteAllTextAsync(unit, text.Replace(DeployCommands.ServiceInstallFolder, RepoFiles.ServerBuildFolder, StringComparison.Ordinal), TestContext.Current.CancellationToken);
        var result = await ChildProcess.RunAsync(analyze!, ["verify", unit], temp.Path, new Dictionary<string, string?> { ["SYSTEMD_LOG_COLOR"] = "0" });
        var complaints = (result.Stdout + result.Stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => l.Contains("lspcopilot-worker", StringComparison.Ordinal)).ToList();
        return (result.ExitCode, complaints);
    }
}
