using System.Text.Json;
using LspCopilot.Completion;
using LspCopilot.Engine;
using LspCopilot.Server.Protocol;
using LspCopilot.TestSupport;

namespace LspCopilot.Server.Tests.EndToEnd;

/// <summary>An engine in the server's own process that never answers and ignores cancellation (a hung native call).</summary>
public sealed class StalledEngineTests
{
    private const string Uri = "file:///work/notes.txt";

    [Fact]
    public async Task EngineThatNeverAnswers_RequestFailsWithTheReason_LaterRequestsToo()
    {
        var (server, _) = await StartAsync(stallSeconds: 1);
        await using var __ = server;

        var first = await server.Raw.RequestAsync(LspMethods.InlineCompletion, Inline());
        var second = await server.Raw.RequestAsync(LspMethods.InlineCompletion, Inline());

        foreach (var answer in new[] { first, second })
        {
            var error = answer.GetProperty("error");
            Assert.Equal(LspErrorCodes.RequestFailed, error.GetProperty("code").GetInt32());
            Assert.Contains("no progress for 1 s", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task EngineThatNeverAnswers_CancelIsAnsweredAtOnce()
    {
        var (server, engine) = await StartAsync(stallSeconds: 3600);
        await using var __ = server;

        var (id, stuck) = await server.Raw.StartRequestAsync(LspMethods.InlineCompletion, Inline());
        await engine.Called.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken); // The request reached the engine.
        await server.Raw.CancelAsync(id);
        var answer = await stuck.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);
        var alive = await server.Raw.RequestAsync(LspMethods.Shutdown, null);

        Assert.Equal(LspErrorCodes.RequestCancelled, answer.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal(JsonValueKind.Null, alive.GetProperty("result").ValueKind);
    }

    private static async Task<(InMemoryServer Server, HungEngine Engine)> StartAsync(int stallSeconds)
    {
        var options = new EngineOptions { StallTimeoutSeconds = stallSeconds };
        var engine = new HungEngine();
        var server = InMemoryServer.StartRaw("hung.gguf", options, loader: (o, log) => new EngineScheduler(engine, o, log));
        await server.Raw.InitializeAsync();
        await server.Raw.NotifyAsync(LspMethods.DidOpen, new { textDocument = new { uri = Uri, languageId = "plaintext", version = 1, text = "Dear diary,\n" } });
        return (server, engine);
    }

    private static object Inline() => new
    {
        textDocument = new { uri = Uri },
        position = new { line = 1, character = 0 },
        context = new { triggerKind = 1 },
    };

    /// <summary>Never answers, never notices cancellation, never shows progress.</summary>
    private sealed class HungEngine : ICompletionEngine
    {
        private readonly TaskCompletionSource<CompletionResult> _never = new();
        private readonly TaskCompletionSource _called = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Completes when a request first reaches the engine.</summary>
        public Task Called => _called.Task;

        public string ModelName => "hung";

        public FimLayout Fim => FimLayout.PrefixOnly;

        public int ContextSize => 4096;

        public Task<IReadOnlyList<int>> CountTokensAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken) =>
            TokenEstimate.Instance.CountTokensAsync(texts, cancellationToken);

        public Task RememberAsync(CompletionRequest request, string text, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task<CompletionResult> CompleteAsync(CompletionRequest request, Action<string>? onText, CancellationToken cancellationToken)
        {
            _called.TrySetResult();
            return _never.Task;
        }

        public void Dispose()
        {
        }
    }
}
