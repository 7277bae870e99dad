using System.Diagnostics;
using System.Globalization;
using LspCopilot.Server.Protocol;
using LspCopilot.TestSupport;

namespace LspCopilot.Server.Tests.Transport;

/// <summary>The recommended remote setup, <c>ssh box -- lspcopilot --stdio</c>, against a real sshd on 127.0.0.1.</summary>
public sealed class SshTests
{
    [Fact]
    public async Task StdioOverSsh_CompletesAndTheRemoteServerEndsWhenSshIsKilled()
    {
        var model = TestModels.Require(TestModels.Fim);
        using var sshd = await ThrowawaySshd.StartAsync();

        // A marker value lets the test find the remote server process afterwards.
        var marker = Random.Shared.Next(100_000, 999_999).ToString(CultureInfo.InvariantCulture);
        using var ssh = Process.Start(sshd.Ssh("/usr/bin/dotnet", RepoPaths.ServerDll, "--stdio", "--model", model, "--max-tokens", marker))!;
        var client = new RawLspClient(ssh.StandardInput.BaseStream, ssh.StandardOutput.BaseStream);
        const string uri = "file:///remote/Program.cs";

        await client.InitializeAsync();
        await client.NotifyAsync(LspMethods.DidOpen, new { textDocument = new { uri, languageId = "csharp", version = 1, text = "class A\n{\n    int x = \n}\n" } });
        var answer = await client.RequestAsync(LspMethods.InlineCompletion, new { textDocument = new { uri }, position = new { line = 2, character = 12 } });
        Assert.True(IsRunning(marker), "the remote server should be running while the session is open");

        ssh.Kill(entireProcessTree: true);
        await ssh.WaitForExitAsync();
        var gone = await Eventually.TrueAsync(() => !IsRunning(marker));

        Assert.False(string.IsNullOrWhiteSpace(answer.GetProperty("result").GetProperty("items")[0].GetProperty("insertText").GetString()), answer.ToString());
        Assert.True(gone, "the remote lspcopilot must exit when its SSH session is killed (no orphan decoding)");
    }

    private static bool IsRunning(string marker) =>
        Directory.EnumerateDirectories("/proc").Any(dir =>
        {
            try
            {
                var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                return cmdline.Contains("lspcopilot.dll", StringComparison.Ordinal) && cmdline.Contains("--max-tokens " + marker, StringComparison.Ordinal);
            }
            catch (IOException)
            {
                return false;
            }
            catch (UnauthorizedAccessException)
            {
                return false;
            }
        });

}
