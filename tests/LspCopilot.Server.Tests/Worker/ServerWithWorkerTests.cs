using System.Text.Json;
using LspCopilot.Server.Protocol;
using LspCopilot.TestSupport;

namespace LspCopilot.Server.Tests.Worker;

/// <summary>The built language server over its real stdio, with the model in its worker child process.</summary>
public sealed class ServerWithWorkerTests
{
    private const string Uri = "file:///work/Program.cs";
    private const string Source = "class Program\n{\n    static void Main()\n    {\n        var message = \n        \n    }\n}\n";

    [Fact]
    public async Task WorkerAbortsMidCompletion_ErrorAnswerThenNextCompletionWorks()
    {
        var model = TestModels.Require(TestModels.Fim);
        await using var server = LspCopilotProcess.Start(["--stdio", "--model", model, "--log-level", "debug"], ChildWorkers.AbortingEnvironment, readStdout: false);
        var client = new RawLspClient(server.Process.StandardInput.BaseStream, server.Process.StandardOutput.BaseStream);
        await client.InitializeAsync();
        var aborting = "// " + ChildWorkers.AbortMarker + "\n" + Source;
        await client.NotifyAsync(LspMethods.DidOpen, new { textDocument = new { uri = Uri, languageId = "csharp", version = 1, text = aborting } });

        var failed = await client.RequestAsync(LspMethods.InlineCompletion, Inline(5, 22));
        await client.NotifyAsync(LspMethods.DidChange, new { textDocument = new { uri = Uri, version = 2 }, contentChanges = new[] { new { text = Source } } });
        var next = await client.RequestAsync(LspMethods.InlineCompletion, Inline(4, 22));
        await client.RequestAsync(LspMethods.Shutdown, null);
        await client.NotifyAsync(LspMethods.Exit, null);

        AssertCrashError(failed);
        Assert.Single(client.Received, m => RawLspClient.IsNotification(m, LspMethods.ShowMessage) && m.GetProperty("params").GetProperty("message").GetString()!.Contains("SIGABRT", StringComparison.Ordinal));
        Assert.False(string.IsNullOrWhiteSpace(next.GetProperty("result").GetProperty("items")[0].GetProperty("insertText").GetString()), next.ToString());
        Assert.Equal(0, await server.WaitForExitAsync());
        Assert.Contains("SIGABRT", server.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WorkerKilledMidCompletion_ErrorAnswerThenNextCompletionWorks()
    {
        var model = TestModels.Require(TestModels.Fim);
        await using var server = LspCopilotProcess.Start(["--stdio", "--model", model, "--max-tokens", "100000", "--log-level", "debug"], readStdout: false);
        var client = new RawLspClient(server.Process.StandardInput.BaseStream, server.Process.StandardOutput.BaseStream);
        await client.InitializeAsync();
        await client.NotifyAsync(LspMethods.DidOpen, new { textDocument = new { uri = Uri, languageId = "csharp", version = 1, text = Source } });
        var worker = await server.WaitForWorkerProcessIdAsync();

        var (_, endless) = await client.StartRequestAsync(LspMethods.InlineCompletion, Inline(5, 8, "t1"));
        await client.WaitForAsync(m => RawLspClient.IsNotification(m, LspMethods.Progress));
        ChildWorkers.Kill9(worker);
        var failed = await endless.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        var next = await client.RequestAsync(LspMethods.InlineCompletion, Inline(4, 22));

        AssertCrashError(failed);
        Assert.True(next.TryGetProperty("result", out var result), next.ToString());
        Assert.Equal(JsonValueKind.Array, result.GetProperty("items").ValueKind);
        Assert.NotEqual(worker, await server.WaitForWorkerProcessIdAsync(after: 1));
        Assert.False(server.Process.HasExited);
    }

    [Fact]
    public async Task InProcess_CompletesWithoutStartingAWorker()
    {
        var model = TestModels.Require(TestModels.Fim);
        await using var server = LspCopilotProcess.Start(["--stdio", "--in-process", "--model", model, "--log-level", "debug"], readStdout: false);
        var client = new RawLspClient(server.Process.StandardInput.BaseStream, server.Process.StandardOutput.BaseStream);
        await client.InitializeAsync();
        await client.NotifyAsync(LspMethods.DidOpen, new { textDocument = new { uri = Uri, languageId = "csharp", version = 1, text = Source } });

        var completion = await client.RequestAsync(LspMethods.InlineCompletion, Inline(4, 22));
        await client.RequestAsync(LspMethods.Shutdown, null);
        await client.NotifyAsync(LspMethods.Exit, null);

        Assert.False(string.IsNullOrWhiteSpace(completion.GetProperty("result").GetProperty("items")[0].GetProperty("insertText").GetString()));
        Assert.Equal(0, await server.WaitForExitAsync());
        Assert.DoesNotContain("Started the inference worker", server.Stderr, StringComparison.Ordinal);
        Assert.Contains("Loaded stories260K-fim.gguf", server.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SharedWorker_TwoLanguageServers_CompleteWithOneLoadedModel()
    {
        var model = TestModels.Require(TestModels.Fim);
        var token = new Dictionary<string, string?> { ["LSPCOPILOT_TOKEN"] = "shared-secret-for-two-servers" };
        var (worker, port) = await LspCopilotProcess.StartSharedWorkerAsync(model, token);
        await using var _ = worker;
        var address = "127.0.0.1:" + port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await using var first = LspCopilotProcess.Start(["--stdio", "--worker", address, "--log-level", "debug"], token, readStdout: false);
        await using var second = LspCopilotProcess.Start(["--stdio", "--worker", address, "--log-level", "debug"], token, readStdout: false);

        var answers = await Task.WhenAll(CompleteOnceAsync(first), CompleteOnceAsync(second));

        Assert.All(answers, answer => Assert.False(string.IsNullOrWhiteSpace(answer.GetProperty("result").GetProperty("items")[0].GetProperty("insertText").GetString()), answer.ToString()));
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(worker.Stderr, "Loaded stories260K-fim.gguf"));
        Assert.DoesNotContain("Started the inference worker", first.Stderr + second.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SharedWorker_Unreachable_ModelUnavailableMessageSaysHowToStartIt()
    {
        await using var server = LspCopilotProcess.Start(["--stdio", "--worker", "127.0.0.1:1"], readStdout: false);
        var client = new RawLspClient(server.Process.StandardInput.BaseStream, server.Process.StandardOutput.BaseStream);

        await client.InitializeAsync();
        var message = await client.WaitForAsync(m => RawLspClient.IsNotification(m, LspMethods.ShowMessage));

        Assert.Contains("lspcopilot worker --listen", message.GetProperty("params").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServerExits_WorkerProcessEndsToo()
    {
        var model = TestModels.Require(TestModels.Fim);
        await using var server = LspCopilotProcess.Start(["--stdio", "--model", model, "--log-level", "debug"], readStdout: false);
        var client = new RawLspClient(server.Process.StandardInput.BaseStream, server.Process.StandardOutput.BaseStream);
        await client.InitializeAsync();
        var worker = await server.WaitForWorkerProcessIdAsync();

        server.Process.Kill(); // the server dies without a word: the worker sees its stdin close
        await server.WaitForExitAsync();

        await Eventually.TrueAsync(() => ChildWorkers.HasExited(worker));
        Assert.True(ChildWorkers.HasExited(worker));
    }

    private static async Task<JsonElement> CompleteOnceAsync(LspCopilotProcess server)
    {
        var client = new RawLspClient(server.Process.StandardInput.BaseStream, server.Process.StandardOutput.BaseStream);
        await client.InitializeAsync();
        await client.NotifyAsync(LspMethods.DidOpen, new { textDocument = new { uri = Uri, languageId = "csharp", version = 1, text = Source } });
        return await client.RequestAsync(LspMethods.InlineCompletion, Inline(4, 22));
    }

    /// <summary>A crash answers the request with an error that names the worker, never a cancellation or a hang.</summary>
    private static void AssertCrashError(JsonElement answer)
    {
        Assert.True(answer.TryGetProperty("error", out var error), answer.ToString());
        Assert.Equal(LspErrorCodes.RequestFailed, error.GetProperty("code").GetInt32());
        Assert.Contains("inference worker", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }


    private static object Inline(int line, int character, string? partialResultToken = null) => new
    {
        textDocument = new { uri = Uri },
        position = new { line, character },
        context = new { triggerKind = 1 },
        partialResultToken,
    };
}
