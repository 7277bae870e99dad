using LspCopilot.Server.Configuration;
using LspCopilot.Server.Inference;
using LspCopilot.Server.Logging;
using LspCopilot.Server.Tests.Support;

namespace LspCopilot.Server.Tests.Inference;

public sealed class EngineSchedulerTests
{
    private static readonly string s_story = string.Join('\n', Enumerable.Range(0, 20).Select(i => $"Once upon a time, a cat named Tom {i} sat in the sun."));

    private static EngineScheduler Real(int queueLimit = 16, bool prefetch = false) =>
        EngineFactory.Create(new EngineOptions { ModelPath = TestModels.Require(TestModels.Stories), QueueLimit = queueLimit, Prefetch = prefetch }, ServerLog.Silent);

    private static CompletionRequest Request(string prefix, string? key = null, string? client = null, int maxTokens = 16) =>
        new(prefix, string.Empty, CompletionMode.MultiLine) { Generation = new GenerationOptions { MaxTokens = maxTokens }, DocumentKey = key, ClientId = client };

    [Fact]
    public async Task TypingThrough_ServedFromCacheWithoutTheEngine()
    {
        using var scheduler = Real();
        var first = await scheduler.CompleteAsync(Request(s_story), null, CancellationToken.None);
        Assert.True(first.Text.Length > 3, first.Text);
        var served = scheduler.Stats.Served;

        var next = await scheduler.CompleteAsync(Request(s_story + first.Text[..3]), null, CancellationToken.None);

        Assert.Equal(StopReason.Cached, next.Reason);
        Assert.Equal(first.Text[3..], next.Text);
        Assert.Equal(served, scheduler.Stats.Served);
        Assert.Equal(1, scheduler.Stats.CacheHits);
    }

    [Fact]
    public async Task NewerRequestSameKey_PreemptsTheRunningOne_SuccessorCompletes()
    {
        using var scheduler = Real();
        var started = new TaskCompletionSource();
        var older = scheduler.CompleteAsync(Request(s_story, key: "doc", maxTokens: 100_000), _ => started.TrySetResult(), CancellationToken.None);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(30));

        var newer = scheduler.CompleteAsync(Request(s_story + " The", key: "doc"), null, CancellationToken.None);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => older);
        Assert.NotEqual(StopReason.Cached, (await newer).Reason);
        Assert.Equal(1, scheduler.Stats.Superseded);
    }

    [Fact]
    public async Task QueueFull_OverflowFailsAtOnceWithBusy()
    {
        using var scheduler = Real(queueLimit: 1);
        var started = new TaskCompletionSource();
        using var stop = new CancellationTokenSource();
        var running = scheduler.CompleteAsync(Request(s_story, key: "a", maxTokens: 100_000), _ => started.TrySetResult(), stop.Token);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var waiting = scheduler.CompleteAsync(Request(s_story + "1", key: "b"), null, CancellationToken.None);

        var overflow = scheduler.CompleteAsync(Request(s_story + "2", key: "c"), null, CancellationToken.None);

        Assert.True(overflow.IsCompleted, "overflow must be answered without waiting");
        await Assert.ThrowsAsync<EngineBusyException>(() => overflow);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        await waiting;
        Assert.Equal(1, scheduler.Stats.Overflowed);
    }

    [Fact]
    public async Task E3_TypingBurst_OnlyTheNewestRuns_EachAnsweredOnce_AtMostOneStale()
    {
        using var scheduler = Real();
        var tasks = new List<Task<CompletionResult>>();
        for (var i = 0; i < 20; i++)
        {
            tasks.Add(scheduler.CompleteAsync(Request(s_story + new string('a', i), key: "doc", maxTokens: 64), null, CancellationToken.None));
        }

        var outcomes = await Task.WhenAll(tasks.Select(async t =>
        {
            try
            {
                await t;
                return "done";
            }
            catch (OperationCanceledException)
            {
                return "cancelled";
            }
        }));

        Assert.Equal("done", outcomes[^1]);
        Assert.InRange(scheduler.Stats.MaxStaleOnEngine, 0, 1);
        Assert.InRange(scheduler.Stats.Served, 1, 2);
    }

    [Fact]
    public async Task CancelledWhileWaiting_LeavesTheQueueAndAnswersCancelled()
    {
        using var scheduler = Real();
        var started = new TaskCompletionSource();
        using var stop = new CancellationTokenSource();
        using var giveUp = new CancellationTokenSource();
        var running = scheduler.CompleteAsync(Request(s_story, key: "a", maxTokens: 100_000), _ => started.TrySetResult(), stop.Token);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var waiting = scheduler.CompleteAsync(Request(s_story + "x", key: "b"), null, giveUp.Token);

        await giveUp.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
    }

    [Fact]
    public async Task Prefetch_AfterAServedSuggestion_TheAcceptedContinuationIsACacheHit()
    {
        using var scheduler = Real(prefetch: true);
        var first = await scheduler.CompleteAsync(Request(s_story, key: "doc"), null, CancellationToken.None);
        Assert.NotEmpty(first.Text);

        // The prefetch runs in the background once the engine is idle, and lands in the cache.
        await WaitUntilAsync(() => scheduler.Cache.Count >= 2);
        var next = await scheduler.CompleteAsync(Request(s_story + first.Text, key: "doc"), null, CancellationToken.None);

        Assert.Equal(StopReason.Cached, next.Reason);
        Assert.Equal(1, scheduler.Stats.PrefetchHits);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 500 && !condition(); i++)
        {
            await Task.Delay(10);
        }

        Assert.True(condition());
    }
}
