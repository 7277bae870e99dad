using System.Text.Json;
using LspCopilot.Server.Protocol;
using LspCopilot.TestSupport;

namespace LspCopilot.Server.Tests.EndToEnd;

/// <summary>The built executable, driven over its real stdin/stdout like an editor does.</summary>
public sealed class StdioProcessTests
{
    private const string Uri = "file:///work/Program.cs";
    private const string Source = "class Program\n{\n    static void Main()\n    {\n        var message = \n        \n    }\n}\n";

    [Fact]
    public async Task Stdio_FullSession_CompletesStreamsCancelsAndExitsZero()
    {
        var model = TestModels.Require(TestModels.Fim);
        await using var server = ServerProcess.Start("--stdio", "--model", model, "--max-tokens", "100000", "--log-level", "debug");
        var client = new RawLspClient(server.Process.StandardInput.BaseStream, server.Process.StandardOutput.BaseStream);

        await client.InitializeAsync();
        await client.NotifyAsync(LspMethods.DidOpen, new { textDocument = new { uri = Uri, languageId = "csharp", version = 1, text = Source } });
        var completion = await client.RequestAsync(LspMethods.InlineCompletion, new { textDocument = new { uri = Uri }, position = new { line = 4, character = 22 }, partialResultToken = "t1" });
        var (id, endless) = await client.StartRequestAsync(LspMethods.InlineCompletion, new { textDocument = new { uri = Uri }, position = new { line = 5, character = 8 }, partialResultToken = "t2" });
        await client.WaitForAsync(m => RawLspClient.IsNotification(m, LspMethods.Progress) && m.GetProperty("params").GetProperty("token").GetString() == "t2");
        await client.CancelAsync(id);
        var cancelled = await endless.WaitAsync(TimeSpan.FromSeconds(20));
        await client.RequestAsync(LspMethods.Shutdown, null);
        await client.NotifyAsync(LspMethods.Exit, null);
        await server.Process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));

        var text = completion.GetProperty("result").GetProperty("items")[0].GetProperty("insertText").GetString();
        Assert.False(string.IsNullOrWhiteSpace(text));
        Assert.Equal(LspErrorCodes.RequestCancelled, cancelled.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal(0, server.Process.ExitCode);
        Assert.Contains("Loaded stories260K-fim.gguf", server.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stdio_StdinClosedWithoutExit_ExitCodeOne()
    {
        await using var server = ServerProcess.Start("--stdio");
        var client = new RawLspClient(server.Process.StandardInput.BaseStream, server.Process.StandardOutput.BaseStream);
        await client.InitializeAsync();

        server.Process.StandardInput.Close();
        await server.Process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(1, server.Process.ExitCode);
    }

    [Fact]
    public async Task Stdio_NoModel_ShowMessageSaysHowToFixIt()
    {
        await using var server = ServerProcess.Start("--stdio");
        var client = new RawLspClient(server.Process.StandardInput.BaseStream, server.Process.StandardOutput.BaseStream);

        await client.InitializeAsync();
        var message = await client.WaitForAsync(m => RawLspClient.IsNotification(m, LspMethods.ShowMessage));

        Assert.Contains("LSPCOPILOT_MODEL", message.GetProperty("params").GetProperty("message").GetString(), StringComparison.Ordinal);
    }
}
