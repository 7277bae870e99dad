using LspCopilot.Completion;
using LspCopilot.Server.Protocol;
using LspCopilot.TestSupport;

namespace LspCopilot.Engine.Tests;

public sealed class EngineSchedulerTests
{
    private static readonly string s_story = string.Join('\n', Enumerable.Range(0, 20).Select(i => $"Once upon a time, a cat named Tom {i} sat in the sun."));

    private static EngineScheduler Real(int queueLimit = 16) =>
        EngineFactory.Create(new EngineOptions { ModelPath = TestModels.Require(TestModels.Stories), QueueLimit = queueLimit }, ServerLog.Silent);

    private static CompletionRequest Request(string prefix, string? client = null, int maxTokens = 16) =>
        new(prefix, string.Empty, CompletionMode.MultiLine) { Generation = new GenerationOptions { MaxTokens = maxTokens }, ClientId = client };

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
    public async Task RunningRequestCancelledByANewerOne_StopsAtItsNextToken_SuccessorCompletes()
    {
        using var scheduler = Real();
        var started = new TaskCompletionSource();
        using var olderToken = new CancellationTokenSource();
        var older = scheduler.CompleteAsync(Request(s_story, maxTokens: 100_000), _ => started.TrySetResult(), olderToken.Token);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(30));

        // What the server's request queue does on a keystroke: cancel the older request, then ask again.
        await olderToken.CancelAsync();
        var newer = scheduler.CompleteAsync(Request(s_story + " The"), null, CancellationToken.None);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => older);
        Assert.NotEqual(StopReason.Cached, (await newer).Reason);
        Assert.Equal(1, scheduler.Stats.Cancelled);
    }

    [Fact]
    public async Task QueueFull_OverflowFailsAtOnceWithBusy()
    {
        using var scheduler = Real(queueLimit: 1);
        var started = new TaskCompletionSource();
        using var stop = new CancellationTokenSource();
        var running = scheduler.CompleteAsync(Request(s_story, maxTokens: 100_000), _ => started.TrySetResult(), stop.Token);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var waiting = scheduler.CompleteAsync(Request(s_story + "1"), null, CancellationToken.None);

        var overflow = scheduler.CompleteAsync(Request(s_story + "2"), null, CancellationToken.None);

        Assert.True(overflow.IsCompleted, "overflow must be answered without waiting");
        await Assert.ThrowsAsync<EngineBusyException>(() => overflow);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        await waiting;
        Assert.Equal(1, scheduler.Stats.Overflowed);
    }

    [Fact]
    public async Task TypingBurst_EachKeystrokeCancelsThePrevious_OnlyTheNewestRuns_EachAnsweredOnce_AtMostOneStale()
    {
        using var scheduler = Real();
        var tasks = new List<Task<CompletionResult>>();
        var tokens = new List<CancellationTokenSource>();
        for (var i = 0; i < 20; i++)
        {
            if (tokens.Count > 0)
            {
                await tokens[^1].CancelAsync();
            }

            tokens.Add(new CancellationTokenSource());
            tasks.Add(scheduler.CompleteAsync(Request(s_story + new string('a', i), maxTokens: 64), null, tokens[^1].Token));
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

        tokens.ForEach(t => t.Dispose());
        Assert.Equal("done", outcomes[^1]);
        Assert.InRange(scheduler.Stats.MaxStaleOnEngine, 0, 1);
        Assert.InRange(scheduler.Stats.Served, 1, 2);
        // Each keystroke's request ended exactly one way: served, answered from the cache, or cancelled.
        Assert.Equal(20, scheduler.Stats.Served + scheduler.Stats.CacheHits + scheduler.Stats.Cancelled);
    }

    [Fact]
    public async Task CancelledWhileWaiting_LeavesTheQueueAndAnswersCancelled()
    {
        using var scheduler = Real();
        var started = new TaskCompletionSource();
        using var stop = new CancellationTokenSource();
        using var giveUp = new CancellationTokenSource();
        var running = scheduler.CompleteAsync(Request(s_story, maxTokens: 100_000), _ => started.TrySetResult(), stop.Token);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var waiting = scheduler.CompleteAsync(Request(s_story + "x"), null, giveUp.Token);

        await giveUp.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
    }

    [Fact]
    public async Task CancelledWhileTheSchedulerLooksInItsCache_EndsCancelled_NextRequestServedAtOnce()
    {
        // The client's cancel can land between the scheduler's first check of the token and the moment
        // it registers on it; the registration then runs the cancellation inline. (It read a field set
        // after it: a NullReferenceException, answered -32603, and a job left in the queue that took
        // the next request's wake-up.) The inner engine cancels the token when its name is read, which
        // the scheduler does in that window.
        using var token = new CancellationTokenSource();
        var inner = new CancellingOnNameEngine(token);
        using var scheduler = new EngineScheduler(inner, new EngineOptions { ResultCacheSize = 0 }, ServerLog.Silent);

        inner.Armed = true;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => scheduler.CompleteAsync(Request("a"), null, token.Token));

        var next = await scheduler.CompleteAsync(Request("b"), null, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.Equal("done", next.Text);
        Assert.Equal(1, inner.Completed);
    }

    /// <summary>An engine that answers at once, and cancels a token the first time its name is read after <see cref="Armed"/>.</summary>
    private sealed class CancellingOnNameEngine(CancellationTokenSource token) : ICompletionEngine
    {
        public bool Armed { get; set; }

        public int Completed { get; private set; }

        public string ModelName
        {
            get
            {
                if (Armed)
                {
                    Armed = false;
                    token.Cancel();
                }

                return "cancelling";
            }
        }

        public FimLayout Fim => FimLayout.PrefixOnly;

        public int ContextSize => 4096;

        public Task<IReadOnlyList<int>> CountTokensAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<int>>([.. texts.Select(t => t.Length / 4)]);

        public Task RememberAsync(CompletionRequest request, string text, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task<CompletionResult> CompleteAsync(CompletionRequest request, Action<string>? onText, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Completed++;
            return Task.FromResult(new CompletionResult("done", StopReason.EndOfGeneration, new CompletionStats(1, 0, 1, TimeSpan.Zero, TimeSpan.Zero)));
        }

        public void Dispose()
        {
        }
    }
}
