using System.Globalization;
using System.Text.RegularExpressions;
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

    /// <summary>Greedy, so <paramref name="seed"/> changes nothing but the worker's result-cache key: every round reaches the engine.</summary>
    private static CompletionRequest Request(string name, uint seed = 0) =>
        new(Story(name), string.Empty, CompletionMode.MultiLine) { Generation = new GenerationOptions { MaxTokens = 48, Seed = seed }, ClientId = "session" };

    private static SupervisedEngine Connect(int port) =>
        SupervisedEngine.Start(new WorkerSocketConnector(new WorkerEndpoint("127.0.0.1", port), null), new EngineOptions { ResultCacheSize = 0 }, ChildWorkers.Log, ChildWorkers.QuickRestarts);

    [Fact]
    public async Task ThreeClientsAskingAtOnce_DecodedTogether_EachGetsTheTextItGetsAlone()
    {
        var ct = TestContext.Current.CancellationToken;
        var (worker, port) = await LspCopilotProcess.StartSharedWorkerAsync(TestModels.Require(TestModels.Stories));
        await using var _ = worker;
        var clients = s_names.Select(_ => Connect(port)).ToList();
        using var holder = Connect(port);
        try
        {
            // Alone: one client at a time (the single-request path). Each client keeps the same id ("session"):
            // the worker tells them apart by their connection.
            var alone = new List<string>();
            for (var i = 0; i < clients.Count; i++)
            {
                alone.Add((await clients[i].CompleteAsync(Request(s_names[i]), null, ct).WaitAsync(s_guard, ct)).Text);
            }

            // Together: the three ask while a fourth client holds the engine, so they all wait when it lets go.
            for (var round = 0; round < 5 && !worker.Stderr.Contains("decoding their completions together", StringComparison.Ordinal); round++)
            {
                using var hold = new CancellationTokenSource();
                var started = new TaskCompletionSource();
                var holding = holder.CompleteAsync(
                    new CompletionRequest(Story("Zed"), string.Empty, CompletionMode.MultiLine) { Generation = new GenerationOptions { MaxTokens = 100_000 } },
                    _ => started.TrySetResult(),
                    hold.Token);
                await started.Task.WaitAsync(s_guard, ct);
                var asked = clients.Select((c, i) => c.CompleteAsync(Request(s_names[i], seed: 100 + (uint)round), null, ct)).ToArray();
                await Task.Delay(1000, ct); // Not a measurement: time for the three requests to reach the worker's queue.
                await hold.CancelAsync();
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => holding.WaitAsync(s_guard, ct));
                var together = await Task.WhenAll(asked).WaitAsync(s_guard, ct);
                Assert.Equal(alone, together.Select(r => r.Text));
                Assert.All(together, r => Assert.NotEqual(StopReason.Cached, r.Reason));
                // The worker's log reaches us through a pipe: wait for the line, not for a time.
                await Eventually.TrueAsync(() => worker.Stderr.Contains("decoding their completions together", StringComparison.Ordinal), TimeSpan.FromSeconds(2));
            }

            Assert.True(worker.Stderr.Contains("decoding their completions together", StringComparison.Ordinal), "no batch in: " + worker.Stderr[^Math.Min(3000, worker.Stderr.Length)..]);
            Assert.All(alone, text => Assert.False(string.IsNullOrEmpty(text)));
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }

    [Fact]
    public async Task ClientThatDisconnects_TheWorkerFreesItsCells_AnotherClientKeepsItsPrefix()
    {
        var ct = TestContext.Current.CancellationToken;
        var (worker, port) = await LspCopilotProcess.StartSharedWorkerAsync(TestModels.Require(TestModels.Stories));
        await using var _ = worker;
        using var staying = Connect(port);
        var leaving = Connect(port);
        try
        {
            await leaving.CompleteAsync(Request("Ann"), null, ct).WaitAsync(s_guard, ct);
            // Ann's tokens move to her connection's own sequence while Ben is served in the completion sequence.
            await staying.CompleteAsync(Request("Ben"), null, ct).WaitAsync(s_guard, ct);
        }
        finally
        {
            leaving.Dispose();
        }

        await Eventually.TrueAsync(() => FreedCells().Success, TimeSpan.FromSeconds(20));
        var freed = FreedCells();
        Assert.True(freed.Success, "no cells freed in: " + worker.Stderr[^Math.Min(3000, worker.Stderr.Length)..]);
        Assert.True(int.Parse(freed.Groups[1].Value, CultureInfo.InvariantCulture) > 50, freed.Value);
        var again = await staying.CompleteAsync(Request("Ben", seed: 1), null, ct).WaitAsync(s_guard, ct);
        Assert.True(again.Stats.ReusedTokens > again.Stats.PromptTokens - 8, $"reused {again.Stats.ReusedTokens} of {again.Stats.PromptTokens}");

        Match FreedCells() =>
            Regex.Match(worker.Stderr, @"Clients c\d+/\* went away: (\d+) cells of theirs freed");
    }
}
