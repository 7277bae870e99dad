using LspCopilot.Completion;
using LspCopilot.Completion.Chat;
using LspCopilot.Engine;
using LspCopilot.Server.Worker;
using LspCopilot.TestSupport;
using Nerdbank.Streams;

namespace LspCopilot.Server.Tests.Worker;

/// <summary>
/// Chats through the worker protocol: a real child worker on a tiny ChatML model (written from the shared stories
/// model), and two connections of one worker over in-memory pipes. The model writes nonsense: the tests check the
/// plumbing — streaming, the layout, the conversation's cache, crashes.
/// </summary>
public sealed class WorkerChatTests : IDisposable
{
    private static readonly TimeSpan s_guard = TimeSpan.FromSeconds(60);

    private static readonly string s_story = string.Join('\n', Enumerable.Range(0, 12).Select(i =>
        $"Once upon a time, there was a little dog named Max number {i}. He liked to run in the park."));

    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static ChatRequest Ask(string question, int maxTokens = 24) =>
        new([new ChatMessage(ChatMessage.System, "You explain stories."), new ChatMessage(ChatMessage.User, s_story + "\n\n" + question)])
        {
            ConversationId = "c1",
            Generation = new GenerationOptions { MaxTokens = maxTokens },
        };

    private static ChatRequest FollowUp(ChatRequest first, string reply, string question) =>
        first with { Messages = [.. first.Messages, new ChatMessage(ChatMessage.Assistant, reply), new ChatMessage(ChatMessage.User, question)] };

    [Fact]
    public async Task Chat_ThroughAWorkerProcess_StreamsTheSameTextAsInProcess()
    {
        var model = ChatModels.ChatML(_folder);
        using var local = LlamaEngine.Load(new EngineOptions { ModelPath = model }, ServerLog.Silent);
        var expected = await local.ChatAsync(Ask("Who is Max?"), null, TestContext.Current.CancellationToken);
        using var remote = ChildWorkers.Start(model);
        var texts = new List<string>();

        var result = await remote.ChatAsync(Ask("Who is Max?"), text => { lock (texts) { texts.Add(text); } }, TestContext.Current.CancellationToken).WaitAsync(s_guard, TestContext.Current.CancellationToken);

        Assert.Equal("chat template (chatml)", remote.ChatLayout);
        Assert.Equal("chat template (chatml)", result.Layout);
        Assert.Equal(expected.Text, result.Text);
        Assert.Equal(expected.Stats.PromptTokens, result.Stats.PromptTokens);
        Assert.NotEmpty(texts);
        Assert.Equal(result.Text, texts[^1]);
        Assert.All(texts.Zip(texts.Skip(1)), pair => Assert.StartsWith(pair.First, pair.Second, StringComparison.Ordinal));
    }

    [Fact]
    public async Task FollowUp_ThroughAWorkerProcessWithACompletionBetween_ReusesTheFirstTurn()
    {
        using var remote = ChildWorkers.Start(ChatModels.ChatML(_folder));
        var first = Ask("Who is Max?");

        var turn1 = await remote.ChatAsync(first, null, TestContext.Current.CancellationToken).WaitAsync(s_guard, TestContext.Current.CancellationToken);
        await remote.CompleteAsync(ChildWorkers.Short(), null, TestContext.Current.CancellationToken).WaitAsync(s_guard, TestContext.Current.CancellationToken);
        var turn2 = await remote.ChatAsync(FollowUp(first, turn1.Text, "And the park?"), null, TestContext.Current.CancellationToken).WaitAsync(s_guard, TestContext.Current.CancellationToken);

        Assert.Equal(0, turn1.Stats.ReusedTokens);
        Assert.True(turn2.Stats.ReusedTokens >= turn1.Stats.PromptTokens, $"reused {turn2.Stats.ReusedTokens}; turn 1: {turn1.Stats}");
    }

    [Fact]
    public async Task EndConversation_ThroughAWorkerProcess_NextTurnDecodesEverything()
    {
        using var remote = ChildWorkers.Start(ChatModels.ChatML(_folder));
        var first = Ask("Who is Max?");
        var turn1 = await remote.ChatAsync(first, null, TestContext.Current.CancellationToken).WaitAsync(s_guard, TestContext.Current.CancellationToken);

        await remote.EndConversationAsync("c1", TestContext.Current.CancellationToken).WaitAsync(s_guard, TestContext.Current.CancellationToken);
        var turn2 = await remote.ChatAsync(FollowUp(first, turn1.Text, "And the park?"), null, TestContext.Current.CancellationToken).WaitAsync(s_guard, TestContext.Current.CancellationToken);

        Assert.Equal(0, turn2.Stats.ReusedTokens);
    }

    [Fact]
    public async Task ChatCancelledThroughAWorkerProcess_OperationCanceled_WorkerKeepsServing()
    {
        using var remote = ChildWorkers.Start(ChatModels.ChatML(_folder));
        var pid = remote.WorkerProcessId;
        using var cancel = new CancellationTokenSource();

        var cancelled = remote.ChatAsync(Ask("Who is Max?", maxTokens: 100_000), _ => cancel.Cancel(), cancel.Token);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(s_guard, TestContext.Current.CancellationToken));
        var next = await remote.ChatAsync(Ask("And Lily?"), null, TestContext.Current.CancellationToken).WaitAsync(s_guard, TestContext.Current.CancellationToken);

        Assert.Equal(24, next.Stats.GeneratedTokens);
        Assert.Equal(pid, remote.WorkerProcessId);
        Assert.Equal(0, remote.Crashes);
    }

    [Fact]
    public async Task WorkerKilledMidChat_RequestFailsWithCrashError_NextChatRunsOnTheRestartedWorker()
    {
        using var remote = ChildWorkers.Start(ChatModels.ChatML(_folder));
        var pid = remote.WorkerProcessId!.Value;
        var killed = 0;

        var running = remote.ChatAsync(Ask("Who is Max?", maxTokens: 100_000), _ =>
        {
            if (Interlocked.Exchange(ref killed, 1) == 0)
            {
                ChildWorkers.Kill9(pid);
            }
        }, TestContext.Current.CancellationToken);
        var error = await Assert.ThrowsAsync<EngineCrashedException>(() => running.WaitAsync(s_guard, TestContext.Current.CancellationToken));
        var next = await remote.ChatAsync(Ask("And Lily?"), null, TestContext.Current.CancellationToken).WaitAsync(s_guard, TestContext.Current.CancellationToken);

        Assert.Contains("signal 9", error.Message, StringComparison.Ordinal);
        Assert.Equal(24, next.Stats.GeneratedTokens);
        Assert.NotEqual(pid, remote.WorkerProcessId);
    }

    [Fact]
    public async Task WorkerFrozenMidChat_ChatFailsAfterTheStallTimeout_AFreshWorkerServesTheNext()
    {
        // 5 s, not less: the worker's own watchdog uses the same limit, and a prompt chunk on a busy machine must never look like a stall.
        using var remote = ChildWorkers.Start(ChatModels.ChatML(_folder), options: new EngineOptions { StallTimeoutSeconds = 5 });
        var pid = remote.WorkerProcessId!.Value;
        var frozen = 0;
        try
        {
            var running = remote.ChatAsync(Ask("Who is Max?", maxTokens: 100_000), _ =>
            {
                if (Interlocked.Exchange(ref frozen, 1) == 0)
                {
                    ChildWorkers.Freeze(pid);
                }
            }, TestContext.Current.CancellationToken);
            var error = await Assert.ThrowsAsync<EngineCrashedException>(() => running.WaitAsync(s_guard, TestContext.Current.CancellationToken));
            var next = await remote.ChatAsync(Ask("And Lily?"), null, TestContext.Current.CancellationToken).WaitAsync(s_guard, TestContext.Current.CancellationToken);

            Assert.Contains("no progress for 5 s", error.Message, StringComparison.Ordinal);
            Assert.Equal(24, next.Stats.GeneratedTokens);
            Assert.NotEqual(pid, remote.WorkerProcessId);
        }
        finally
        {
            ChildWorkers.Thaw(pid);
        }
    }

    [Fact]
    public async Task EndConversation_FromAnotherConnection_LeavesThisConnectionsConversation()
    {
        using var host = new WorkerHost((options, log) => EngineFactory.Create(options, log), ServerLog.Silent);
        var model = ChatModels.ChatML(_folder);
        var (mine, theirs) = (await ConnectAsync(host, model), await ConnectAsync(host, model));
        var first = Ask("Who is Max?");
        var turn1 = await mine.Remote.ChatAsync(first, null, TestContext.Current.CancellationToken).WaitAsync(s_guard, TestContext.Current.CancellationToken);

        await theirs.Remote.EndConversationAsync("c1", TestContext.Current.CancellationToken).WaitAsync(s_guard, TestContext.Current.CancellationToken);
        var turn2 = await mine.Remote.ChatAsync(FollowUp(first, turn1.Text, "And the park?"), null, TestContext.Current.CancellationToken).WaitAsync(s_guard, TestContext.Current.CancellationToken);

        Assert.True(turn2.Stats.ReusedTokens >= turn1.Stats.PromptTokens, $"reused {turn2.Stats.ReusedTokens}");
        mine.Remote.Dispose();
        theirs.Remote.Dispose();
        await Task.WhenAll(mine.Serving, theirs.Serving).WaitAsync(s_guard, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Chat_WorkerEngineCannotChat_NoLayoutAndAFailureNamingIt()
    {
        await using var pair = await InMemoryWorker.StartAsync(new FakeEngine("x"));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => pair.Remote.ChatAsync(Ask("Who?"), null, TestContext.Current.CancellationToken).WaitAsync(s_guard, TestContext.Current.CancellationToken));

        Assert.Null(pair.Remote.ChatLayout);
        Assert.Contains("cannot chat", error.Message, StringComparison.Ordinal);
    }

    private static async Task<(RemoteEngine Remote, Task Serving)> ConnectAsync(WorkerHost host, string model)
    {
        var (client, server) = FullDuplexStream.CreatePair();
        var serving = WorkerSession.RunAsync(host, server, server, ServerLog.Silent, CancellationToken.None);
        var remote = new RemoteEngine(client, client, ServerLog.Silent);
        await remote.LoadAsync(new EngineOptions { ModelPath = model }, TestContext.Current.CancellationToken);
        return (remote, serving);
    }
}
