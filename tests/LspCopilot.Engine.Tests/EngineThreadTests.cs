using LspCopilot.Completion;
using LspCopilot.TestSupport;

namespace LspCopilot.Engine.Tests;

/// <summary>
/// The engine thread is one per process, shared by every engine alive in it (llama.cpp's OpenMP threads slow every
/// decode several times over once more than one thread calls into llama.cpp): checked with real engines on the shared
/// models, and the thread's own lease rules without a model.
/// </summary>
public sealed class EngineThreadTests : IDisposable
{
    private static readonly TimeSpan s_guard = TimeSpan.FromSeconds(60);

    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static Task<int> NativeThreadOf(LlamaEngine engine) =>
        engine.RunExclusiveAsync((_, _) => Environment.CurrentManagedThreadId, TestContext.Current.CancellationToken);

    [Fact]
    public async Task TwoEnginesInOneProcess_RunTheirNativeCallsOnOneThread()
    {
        using var stories = LlamaEngine.Load(new EngineOptions { ModelPath = TestModels.Require(TestModels.Stories) }, ServerLog.Silent);
        using var quantized = LlamaEngine.Load(new EngineOptions { ModelPath = TestModels.Require(TestModels.Quantized) }, ServerLog.Silent);

        var first = await NativeThreadOf(stories);
        var second = await NativeThreadOf(quantized);
        var completion = await quantized.CompleteAsync(LlamaChatTests.Completion(), null, TestContext.Current.CancellationToken);

        Assert.Equal(first, second);
        Assert.NotEqual(Environment.CurrentManagedThreadId, first);
        Assert.True(completion.Stats.GeneratedTokens > 0);
    }

    [Fact]
    public async Task EngineLoadedAfterTheOthersWereDisposed_StartsAThreadAndCompletes()
    {
        var path = TestModels.Require(TestModels.Stories);
        using (var engine = LlamaEngine.Load(new EngineOptions { ModelPath = path }, ServerLog.Silent))
        {
            await NativeThreadOf(engine);
        }

        using var next = LlamaEngine.Load(new EngineOptions { ModelPath = path }, ServerLog.Silent);
        var after = await NativeThreadOf(next);
        var completion = await next.CompleteAsync(LlamaChatTests.Completion(), null, TestContext.Current.CancellationToken);

        Assert.NotEqual(Environment.CurrentManagedThreadId, after);
        Assert.True(completion.Stats.GeneratedTokens > 0);
    }

    [Fact]
    public async Task CompletionOnOneEngine_RunsBetweenTheTokensOfAnotherEnginesChat()
    {
        // The article's box: a chat model beside the completion model. Ghost text must not wait for an explanation.
        using var chats = LlamaEngine.Load(new EngineOptions { ModelPath = ChatModels.ChatML(_folder) }, ServerLog.Silent);
        using var completions = LlamaEngine.Load(new EngineOptions { ModelPath = TestModels.Require(TestModels.Fim) }, ServerLog.Silent);

        var (result, _, events) = await LlamaChatTests.CompletionDuringChatAsync(chats, completions, completions);

        Assert.Equal(1, events.IndexOf("completion"));
        Assert.Equal(200, result.Stats.GeneratedTokens);
        Assert.Equal("chat", events[events.LastIndexOf("completion") + 1]);
        Assert.Equal(0, chats.WaitingCompletions);
    }

    [Fact]
    public async Task Lease_WorkOfEveryLeaseRunsOnOneThread_ADisposedLeaseRefusesWork_ANewLeaseWorksAfterTheLast()
    {
        var first = EngineThread.Acquire();
        var second = EngineThread.Acquire();
        var a = await first.RunAsync(() => Environment.CurrentManagedThreadId, TestContext.Current.CancellationToken);
        var b = await second.RunAsync(() => Environment.CurrentManagedThreadId, TestContext.Current.CancellationToken, urgent: true);
        first.Dispose();
        var stillRunning = await second.RunAsync(() => Environment.CurrentManagedThreadId, TestContext.Current.CancellationToken);
        second.Dispose();

        Assert.Equal(a, b);
        Assert.Equal(a, stillRunning);
        Assert.Throws<ObjectDisposedException>(() => { _ = first.RunAsync(() => 0, CancellationToken.None); });
        using var third = EngineThread.Acquire();
        Assert.Equal(42, await third.RunAsync(() => 42, TestContext.Current.CancellationToken).WaitAsync(s_guard, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Lease_UrgentWorkOfAnotherLease_RunsInsideLongWorkThatCallsRunUrgent()
    {
        using var chat = EngineThread.Acquire();
        using var completion = EngineThread.Acquire();
        var order = new List<string>();
        using var queued = new ManualResetEventSlim();
        Task<bool>? urgent = null;

        await chat.RunAsync(
            () =>
            {
                order.Add("chat starts");
                urgent = completion.RunAsync(() => { order.Add("completion"); return true; }, CancellationToken.None, urgent: true);
                Assert.Equal(1, completion.PendingUrgent);
                Assert.Equal(0, chat.PendingUrgent);
                chat.RunUrgent();
                order.Add("chat ends");
                return true;
            },
            TestContext.Current.CancellationToken);

        Assert.True(await urgent!.WaitAsync(s_guard, TestContext.Current.CancellationToken));
        Assert.Equal(["chat starts", "completion", "chat ends"], order);
        Assert.Equal(0, completion.PendingUrgent);
    }
}
