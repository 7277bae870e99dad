using LspCopilot.Completion;

namespace LspCopilot.Completion.Tests;

/// <summary>An engine call always ends: when cancelled, and when the engine stops making progress — never when it keeps working.</summary>
public sealed class StallWatchdogTests
{
    private static readonly TimeSpan s_limit = TimeSpan.FromMilliseconds(300);

    /// <summary>An upper bound for "at once"/"soon": reached only when the watchdog does not work.</summary>
    private static readonly TimeSpan s_hang = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task CallThatNeverAnswers_NoProgress_FailsAsStalled_AndItsEngineCallIsCancelled()
    {
        var engineToken = new TaskCompletionSource<CancellationToken>();
        var never = new TaskCompletionSource<int>();

        var run = StallWatchdog.RunAsync(token => { engineToken.SetResult(token); return never.Task; }, () => 0, s_limit, TestContext.Current.CancellationToken);

        var error = await Assert.ThrowsAsync<EngineStalledException>(() => run.WaitAsync(s_hang, TestContext.Current.CancellationToken));
        Assert.Contains("--stall-timeout", error.Message, StringComparison.Ordinal);
        Assert.True((await engineToken.Task).IsCancellationRequested);
    }

    [Fact]
    public async Task CallThatKeepsProgressing_PastTheLimit_Completes()
    {
        long progress = 0;
        var answer = new TaskCompletionSource<string>();
        using var working = new Timer(_ =>
        {
            if (Interlocked.Increment(ref progress) == 40)
            {
                answer.TrySetResult("done");
            }
        }, null, TimeSpan.Zero, TimeSpan.FromMilliseconds(25));

        var result = await StallWatchdog.RunAsync(_ => answer.Task, () => Interlocked.Read(ref progress), s_limit, TestContext.Current.CancellationToken).WaitAsync(s_hang, TestContext.Current.CancellationToken);

        Assert.Equal("done", result);
        Assert.True(Interlocked.Read(ref progress) * 25 > s_limit.TotalMilliseconds, "The call must have outlived the stall limit for this test to mean anything.");
    }

    [Fact]
    public async Task Cancelled_WhileTheEngineIgnoresCancellation_EndsAtOnce()
    {
        using var cts = new CancellationTokenSource();
        var deaf = new TaskCompletionSource<int>();
        var run = StallWatchdog.RunAsync(_ => deaf.Task, () => 0, TimeSpan.FromHours(1), cts.Token);

        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(s_hang, TestContext.Current.CancellationToken));
        Assert.False(deaf.Task.IsCompleted);
    }

    [Fact]
    public async Task EngineFailure_PassesThroughUnchanged()
    {
        var run = StallWatchdog.RunAsync<int>(_ => Task.FromException<int>(new EngineBusyException("busy")), () => 0, s_limit, TestContext.Current.CancellationToken);

        await Assert.ThrowsAsync<EngineBusyException>(() => run);
    }
}
