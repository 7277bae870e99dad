using LspCopilot.Completion;
using LspCopilot.Engine.Batching;
using LspCopilot.Server.Protocol;
using LspCopilot.TestSupport;

namespace LspCopilot.Engine.Tests;

/// <summary>The scheduler in front of the real engine with several clients: batched when two or more are typing, in turns never.</summary>
public sealed class EngineSchedulerTeamTests
{
    private static readonly TimeSpan s_guard = TimeSpan.FromSeconds(60);

    private static string Story(string name) => string.Join('\n', Enumerable.Range(0, 6).Select(i => $"Once upon a time, {name} number {i} sat in the sun and sang."));

    private static EngineScheduler Real(int teamWindowMs = 2000) =>
        EngineFactory.Create(new EngineOptions { ModelPath = TestModels.Require(TestModels.Stories), ResultCacheSize = 0, CacheReuseMinChunk = 0, TeamWindowMs = teamWindowMs }, ServerLog.Silent);

    private static CompletionRequest Request(string prefix, string client, int maxTokens = 24) =>
        new(prefix, string.Empty, CompletionMode.MultiLine) { Generation = new GenerationOptions { MaxTokens = maxTokens }, ClientId = client };

    /// <summary>The engine's batch steps from now on (read under a lock on the list: steps arrive on the engine thread).</summary>
    private static List<BatchStep> RecordSteps(LlamaEngine engine)
    {
        var steps = new List<BatchStep>();
        engine.BatchStepped += step => { lock (steps) { steps.Add(step); } };
        return steps;
    }

    /// <summary>Holds the engine with a long request of another client until <paramref name="queue"/> has queued its requests, then lets go.</summary>
    private static async Task<T> WhileBusyAsync<T>(EngineScheduler scheduler, Func<T> queue)
    {
        var started = new TaskCompletionSource();
        using var hold = new CancellationTokenSource();
        var holding = scheduler.CompleteAsync(Request(Story("Zed"), "zed", maxTokens: 100_000), _ => started.TrySetResult(), hold.Token);
        await started.Task.WaitAsync(s_guard);
        var queued = queue();
        await hold.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => holding);
        return queued;
    }

    [Fact]
    public async Task ThreeClientsWaiting_DecodedTogether_EachGetsItsTextAlone()
    {
        using var scheduler = Real();
        var engine = (LlamaEngine)scheduler.Inner;
        string[] names = ["Ann", "Ben", "Cat"];
        var alone = new List<string>();
        foreach (var name in names)
        {
            await engine.ResetCacheAsync();
            alone.Add((await engine.CompleteAsync(Request(Story(name), name), null, CancellationToken.None)).Text);
        }

        var steps = new List<BatchStep>();
        engine.BatchStepped += steps.Add;
        var together = await WhileBusyAsync(scheduler, () => names.Select(n => scheduler.CompleteAsync(Request(Story(n), n), null, CancellationToken.None)).ToArray());

        Assert.Equal(alone, (await Task.WhenAll(together).WaitAsync(s_guard)).Select(r => r.Text));
        Assert.Contains(steps, s => s.Generating.Count == 3);
    }

    [Fact]
    public async Task NewerKeystrokeOfOneClientInABatch_CancelsOnlyThatClientsOlderRequest_OthersUnaffected()
    {
        using var scheduler = Real();
        var engine = (LlamaEngine)scheduler.Inner;
        var typedText = Story("Ann") + " The";
        await engine.ResetCacheAsync();
        var typedAlone = (await engine.CompleteAsync(Request(typedText, "ann"), null, CancellationToken.None)).Text;
        await engine.ResetCacheAsync();
        var otherAlone = (await engine.CompleteAsync(Request(Story("Ben"), "ben", maxTokens: 200), null, CancellationToken.None)).Text;

        var steps = new List<BatchStep>();
        engine.BatchStepped += steps.Add;
        using var olderToken = new CancellationTokenSource();
        var streamed = new TaskCompletionSource();
        var (older, other) = await WhileBusyAsync(scheduler, () => (
            scheduler.CompleteAsync(Request(Story("Ann"), "ann", maxTokens: 100_000), _ => streamed.TrySetResult(), olderToken.Token),
            scheduler.CompleteAsync(Request(Story("Ben"), "ben", maxTokens: 200), null, CancellationToken.None)));
        await streamed.Task.WaitAsync(s_guard);

        // What the server does on a keystroke: cancel the document's older request, then ask again.
        await olderToken.CancelAsync();
        var newer = scheduler.CompleteAsync(Request(typedText, "ann"), null, CancellationToken.None);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => older.WaitAsync(s_guard));
        Assert.Equal(typedAlone, (await newer.WaitAsync(s_guard)).Text);
        Assert.Equal(otherAlone, (await other.WaitAsync(s_guard)).Text);
        Assert.Contains(steps, s => s.Generating.Contains("ann") && s.Generating.Contains("ben"));
    }

    [Fact]
    public async Task WhileAnotherClientIsTyping_ALoneRequestIsBatched_SoTheOthersNextKeystrokeJoinsItInsteadOfWaitingForItsEnd()
    {
        using var scheduler = Real();
        var engine = (LlamaEngine)scheduler.Inner;
        var steps = RecordSteps(engine);

        // One client alone: the single-request path.
        await scheduler.CompleteAsync(Request(Story("Ann"), "ann"), null, CancellationToken.None).WaitAsync(s_guard);
        Assert.Empty(steps);

        // Another client asks next, while nobody waits: Ann asked a moment ago, so its request is batched...
        var started = new TaskCompletionSource();
        using var hold = new CancellationTokenSource();
        // (A limit both requests fit the context under, with room: a batch lets in only what fits beside the others.)
        var bens = scheduler.CompleteAsync(Request(Story("Ben"), "ben", maxTokens: 1_500), _ => started.TrySetResult(), hold.Token);
        await started.Task.WaitAsync(s_guard);

        // ...and Ann's next keystroke joins it at the next step, answered while Ben's runs on (alone, it would wait for its end).
        var next = await scheduler.CompleteAsync(Request(Story("Ann") + " The", "ann"), null, CancellationToken.None).WaitAsync(s_guard);
        if (bens.IsCompleted)
        {
            var ended = await bens;
            Assert.Fail($"Ann's request waited for the end of Ben's: {ended.Reason} after {ended.Stats.GeneratedTokens} tokens, {steps.Count} steps");
        }

        Assert.NotNull(next.Text);
        lock (steps)
        {
            Assert.Contains(steps, s => s.Generating.Contains("ann") && s.Generating.Contains("ben"));
        }

        await hold.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => bens.WaitAsync(s_guard));

        // Ben went away: Ann is alone again, and back on the single-request path.
        await scheduler.ForgetClientsAsync("ben", CancellationToken.None);
        var before = steps.Count;
        await scheduler.CompleteAsync(Request(Story("Ann") + " The end", "ann"), null, CancellationToken.None).WaitAsync(s_guard);
        Assert.Equal(before, steps.Count);
    }

    [Fact]
    public async Task WithTheTeamWindowOff_ALoneRequestTakesTheSingleRequestPath_AndAnotherClientsKeystrokeWaitsForIt()
    {
        using var scheduler = Real(teamWindowMs: 0);
        var engine = (LlamaEngine)scheduler.Inner;
        var steps = RecordSteps(engine);
        await scheduler.CompleteAsync(Request(Story("Ann"), "ann"), null, CancellationToken.None).WaitAsync(s_guard);

        var started = new TaskCompletionSource();
        var bens = scheduler.CompleteAsync(Request(Story("Ben"), "ben", maxTokens: 300), _ => started.TrySetResult(), CancellationToken.None);
        await started.Task.WaitAsync(s_guard);
        var next = scheduler.CompleteAsync(Request(Story("Ann") + " The", "ann"), null, CancellationToken.None);

        var first = await Task.WhenAny(bens, next).WaitAsync(s_guard);
        Assert.Same(bens, first);
        await next.WaitAsync(s_guard);
        lock (steps)
        {
            Assert.Empty(steps);
        }
    }
}
