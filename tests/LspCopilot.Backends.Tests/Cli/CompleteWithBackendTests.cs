using LspCopilot.Backends.Tests.StandIns;
using LspCopilot.Completion;
using LspCopilot.Server.Cli;

namespace LspCopilot.Backends.Tests.Cli;

/// <summary><c>lspcopilot complete --backend …</c>: one completion from a model server, no GGUF loaded here.</summary>
public sealed class CompleteWithBackendTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("lspcopilot-complete-backend-").FullName;

    [Fact]
    public async Task Complete_BackendLlamaServer_PrintsTheServersCompletion()
    {
        await using var server = await LlamaServerStandIn.StartAsync();
        var file = Write("notes.txt", "Once upon a time\n");
        var (stdout, stderr) = (new StringWriter(), new StringWriter());

        var exit = await CompleteCommand.RunAsync(new FileInfo(file), 1, 17, Options(server.Url), new GenerationOptions { MaxTokens = 16 }, ServerLog.Silent, stdout, stderr, TestContext.Current.CancellationToken);

        Assert.Equal(0, exit);
        Assert.Equal(server.Script.Text, stdout.ToString().TrimEnd('\n'));
        Assert.Contains("qwen2.5-coder-1.5b-q8_0.gguf", stderr.ToString(), StringComparison.Ordinal);
        Assert.Single(server.Completions);
    }

    [Fact]
    public async Task Complete_BackendUnreachable_SaysWhatToCheckAndExits3()
    {
        var file = Write("notes.txt", "Once upon a time\n");
        var (stdout, stderr) = (new StringWriter(), new StringWriter());

        var exit = await CompleteCommand.RunAsync(new FileInfo(file), 1, 17, Options("http://127.0.0.1:9"), new GenerationOptions(), ServerLog.Silent, stdout, stderr, TestContext.Current.CancellationToken);

        Assert.Equal(3, exit);
        Assert.Contains("Cannot reach the llama-server at http://127.0.0.1:9", stderr.ToString(), StringComparison.Ordinal);
        Assert.True(stderr.ToString().Contains("--endpoint", StringComparison.Ordinal), stderr.ToString());
        Assert.Empty(stdout.ToString());
    }

    private static EngineOptions Options(string url) => TestBackends.Options(BackendOptions.LlamaServer, url);

    private string Write(string name, string text)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, text);
        return path;
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
