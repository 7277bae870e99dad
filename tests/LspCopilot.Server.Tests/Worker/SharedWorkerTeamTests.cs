using LspCopilot.Completion;
using LspCopilot.Server.Worker;
using LspCopilot.TestSupport;

namespace LspCopilot.Server.Tests.Worker;

/// <summary>Several clients of one real <c>lspcopilot worker --listen</c> process typing at once: their completions are decoded together.</summary>
public sealed class SharedWorkerTeamTests
{
    private static readonly TimeSpan s_guard = TimeSpan.FromSeconds(120);
    private static readonly string[] s_names = ["Ann", "Ben", "Cat"];

    private static string Story(string name) => string.Join('\n', Enumerable.Range(0, 6).Select(i => $"Once upon a time, {name} number {i} sat in the sun and sang."));

    private static CompletionRequest Request(string name) =>
        new(Story(name), string.Empty, CompletionMode.MultiLine) { Generation = new GenerationOptions { MaxTokens = 48 }, ClientId = "session" };

    private static SupervisedEngine Connect(int port) =>
        SupervisedEngine.Start(new WorkerSocketConnector(new WorkerEndpoint("127.0.0.1", port), null), new EngineOptions { ResultCacheSize = 0 }, ChildWorkers.Log, ChildWorkers.QuickRestarts);

    [Fact]
    public async Task ThreeClientsAskingAtOnce_DecodedTogether_EachGetsTheTextItGetsAlone()
    {
        var ct = TestContext.Current.CancellationToken;
        var (worker, port) = await LspCopilotProcess.StartSharedWorkerAsync(TestModels.Require(TestModels.Stories));
        await using var _ = worker;
        var clients = s_names.Select(_ => Connect(port)).ToList();
        try
        {
            // Alone: one client at a time (the single-request path). Each client keeps the same id ("session"):
            // the worker tells them apart by their connection.
            var alone = new List<string>();
            for (var i = 0; i < clients.Count; i++)
            {
                alone.Add((await clients[i].CompleteAsync(Request(s_names[i]), null, ct).WaitAsync(s_guard, ct)).Text);
            }

            // Together, a few times: with three clients asking at once, some arrive while another's request runs.
            for (var round = 0; round < 10 && !worker.Stderr.Contains("decoding their completions together", StringComparison.Ordinal); round++)
            {
                var together = await Task.WhenAll(clients.Select((c, i) => c.CompleteAsync(Request(s_names[i]), null, ct))).WaitAsync(s_guard, ct);
                Assert.Equal(alone, together.Select(r => r.Text));
            }

            Assert.Contains("decoding their completions together", worker.Stderr, StringComparison.Ordinal);
            Assert.All(alone, text => Assert.False(string.IsNullOrEmpty(text)));
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }
}
