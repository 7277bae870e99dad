using LspCopilot.Completion;
using LspCopilot.Server.Hosting;
using LspCopilot.Server.Protocol;
using LspCopilot.Server.Rpc;
using LspCopilot.TestSupport;
using Nerdbank.Streams;

namespace LspCopilot.Server.Tests.EndToEnd;

/// <summary>A request that fails for a reason nobody planned for: the client gets -32603, the log gets the reason.</summary>
public sealed class InternalErrorTests
{
    [Fact]
    public async Task InlineCompletion_EngineFailsUnexpectedly_AnswersInternalErrorAndLogsTypeAndMessage()
    {
        var logged = new StringWriter();
        var log = new ServerLog(LogLevel.Info, TextWriter.Synchronized(logged));
        using var engine = new FailingEngine();
        using var model = new ModelHost(new EngineOptions(), log, (_, _) => engine);
        var server = new LspServer(model, log);
        var (serverStream, clientStream) = FullDuplexStream.CreatePair();
        var serving = server.RunAsync(serverStream, serverStream, TestContext.Current.CancellationToken);
        await using var client = new RawLspClient(clientStream, clientStream);
        await client.InitializeAsync();
        await client.NotifyAsync(LspMethods.DidOpen, new { textDocument = new { uri = "file:///work/Notes.txt", languageId = "plaintext", version = 1, text = "Dear diary,\n" } });

        var answer = await client.RequestAsync(LspMethods.InlineCompletion, new { textDocument = new { uri = "file:///work/Notes.txt" }, position = new { line = 1, character = 0 } });

        Assert.Equal(LspErrorCodes.InternalError, answer.GetProperty("error").GetProperty("code").GetInt32());
        var line = logged.ToString().Split('\n').SingleOrDefault(l => l.Contains("answered InternalError", StringComparison.Ordinal));
        Assert.NotNull(line);
        Assert.Contains("textDocument/inlineCompletion", line, StringComparison.Ordinal);
        Assert.Contains("InvalidOperationException: The engine's state is broken.", line, StringComparison.Ordinal);
        Assert.Contains("fail]", line, StringComparison.Ordinal);

        await client.RequestAsync(LspMethods.Shutdown, null);
        await client.NotifyAsync(LspMethods.Exit, null);
        Assert.Equal(0, await serving.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
    }

    /// <summary>An engine whose completions fail with an exception no layer above expects.</summary>
    private sealed class FailingEngine : ICompletionEngine
    {
        public string ModelName => "failing";

        public FimLayout Fim => FimLayout.PrefixOnly;

        public int ContextSize => 4096;

        public Task<IReadOnlyList<int>> CountTokensAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<int>>([.. texts.Select(t => t.Length / 4)]);

        public Task RememberAsync(CompletionRequest request, string text, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task<CompletionResult> CompleteAsync(CompletionRequest request, Action<string>? onText, CancellationToken cancellationToken) =>
            Task.FromException<CompletionResult>(new InvalidOperationException("The engine's state is broken."));

        public void Dispose()
        {
        }
    }
}
