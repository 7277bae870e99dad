using LspCopilot.Completion;
using LspCopilot.Completion.Chat;
using LspCopilot.TestSupport;

namespace LspCopilot.Engine.Tests;

/// <summary>Chats through the scheduler: passed through to an engine that can chat, in a lane of their own beside completions.</summary>
public sealed class EngineSchedulerChatTests : IDisposable
{
    private static readonly TimeSpan s_guard = TimeSpan.FromSeconds(60);

    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private EngineScheduler Real(int queueLimit = 16) =>
        EngineFactory.Create(new EngineOptions { ModelPath = ChatModels.ChatML(_folder), QueueLimit = queueLimit }, ServerLog.Silent);

    [Fact]
    public async Task InnerEngineCannotChat_NoLayoutAndChatNotSupported()
    {
        using var scheduler = new EngineScheduler(new FakeEngine("x"), new EngineOptions(), ServerLog.Silent);

        Assert.Null(scheduler.ChatLayout);
        await Assert.ThrowsAsync<NotSupportedException>(() => scheduler.ChatAsync(LlamaChatTests.Ask("Who?"), null, TestContext.Current.CancellationToken));
        await scheduler.EndConversationAsync("c1", TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task ChatLayout_IsTheInnerEnginesAndChatsRunThrough()
    {
        using var scheduler = Real();
        var texts = new List<string>();

        var result = await scheduler.ChatAsync(LlamaChatTests.Ask("Who is Max?"), texts.Add, TestContext.Current.CancellationToken).WaitAsync(s_guard, TestContext.Current.CancellationToken);

        Assert.Equal("chat template (chatml)", scheduler.ChatLayout);
        Assert.Equal("chat template (chatml)", result.Layout);
        Assert.Equal(result.Text, texts[^1]);
    }

    [Fact]
    public async Task CompletionAskedWhileAChatGenerates_AnsweredBeforeTheChatEnds()
    {
        using var scheduler = Real();

        var (result, answer, events) = await LlamaChatTests.CompletionDuringChatAsync(scheduler, scheduler, (LlamaEngine)scheduler.Inner);

        Assert.Equal(1, events.IndexOf("completion"));
        Assert.Equal("chat", events[events.LastIndexOf("completion") + 1]);
        Assert.Equal(200, result.Stats.GeneratedTokens);
        Assert.NotEqual(StopReason.Cached, answer.Reason);
    }

    [Fact]
    public async Task FollowUp_ThroughTheScheduler_ReusesTheConversation()
    {
        using var scheduler = Real();
        var first = LlamaChatTests.Ask("Who is Max?");
        var turn1 = await scheduler.ChatAsync(first, null, TestContext.Current.CancellationToken);
        await scheduler.CompleteAsync(LlamaChatTests.Completion(), null, TestContext.Current.CancellationToken);

        var turn2 = await scheduler.ChatAsync(LlamaChatTests.FollowUp(first, turn1.Text, "And the park?"), null, TestContext.Current.CancellationToken);
        await scheduler.EndConversationAsync("c1", TestContext.Current.CancellationToken);
        var turn3 = await scheduler.ChatAsync(LlamaChatTests.FollowUp(first, turn1.Text, "And the park?"), null, TestContext.Current.CancellationToken);

        Assert.True(turn2.Stats.ReusedTokens >= turn1.Stats.PromptTokens, $"reused {turn2.Stats.ReusedTokens}");
        Assert.Equal(0, turn3.Stats.ReusedTokens);
    }

    [Fact]
    public async Task ChatsWaitingPastTheQueueLimit_BusyAtOnce()
    {
        using var scheduler = Real(queueLimit: 1);
        using var stop = new CancellationTokenSource();
        var started = new TaskCompletionSource();
        var running = scheduler.ChatAsync(LlamaChatTests.Ask("Who?", maxTokens: 100_000), _ => started.TrySetResult(), stop.Token);
        await started.Task.WaitAsync(s_guard, TestContext.Current.CancellationToken);
        var waiting = scheduler.ChatAsync(LlamaChatTests.Ask("Who?"), null, stop.Token);

        await Assert.ThrowsAsync<EngineBusyException>(() => scheduler.ChatAsync(LlamaChatTests.Ask("Who?"), null, TestContext.Current.CancellationToken));

        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running.WaitAsync(s_guard, TestContext.Current.CancellationToken));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(s_guard, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Dispose_WithAChatRunning_ChatCancelledAndDisposeReturns()
    {
        var scheduler = Real();
        var started = new TaskCompletionSource();
        var running = scheduler.ChatAsync(LlamaChatTests.Ask("Who?", maxTokens: 100_000), _ => started.TrySetResult(), TestContext.Current.CancellationToken);
        await started.Task.WaitAsync(s_guard, TestContext.Current.CancellationToken);

        await Task.Run(scheduler.Dispose, TestContext.Current.CancellationToken).WaitAsync(s_guard, TestContext.Current.CancellationToken);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running.WaitAsync(s_guard, TestContext.Current.CancellationToken));
    }
}
