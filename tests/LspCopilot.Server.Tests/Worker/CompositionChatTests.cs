using LspCopilot.Completion;
using LspCopilot.Completion.Chat;
using LspCopilot.Server.Configuration;
using LspCopilot.Server.Worker;
using LspCopilot.TestSupport;

namespace LspCopilot.Server.Tests.Worker;

/// <summary>Every engine stack <see cref="Composition"/> builds can chat (code actions take <c>engine as IChatEngine</c>).</summary>
public sealed class CompositionChatTests : IDisposable
{
    private const string Token = "a-long-shared-secret-for-tests";
    private static readonly TimeSpan s_guard = TimeSpan.FromSeconds(60);

    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static ChatRequest Ask() =>
        new([new ChatMessage(ChatMessage.User, "Once upon a time, there was a little dog named Max. Who is Max?")]) { Generation = new GenerationOptions { MaxTokens = 8 } };

    [Fact]
    public async Task InProcess_ChatsInTheModelsLayout()
    {
        using var engine = Composition.InProcess(new EngineOptions { ModelPath = ChatModels.ChatML(_folder) }, ServerLog.Silent);

        var chat = Assert.IsAssignableFrom<IChatEngine>(engine);
        var result = await chat.ChatAsync(Ask(), null, TestContext.Current.CancellationToken).WaitAsync(s_guard, TestContext.Current.CancellationToken);

        Assert.Equal("chat template (chatml)", chat.ChatLayout);
        Assert.Equal(8, result.Stats.GeneratedTokens);
    }

    [Fact]
    public async Task ChildWorker_ChatsInTheLayoutItsOptionsChose()
    {
        using var engine = Composition.ChildWorker(new EngineOptions { ModelPath = ChatModels.ChatML(_folder), ChatTemplate = "plain" }, ServerLog.Silent);

        var chat = Assert.IsAssignableFrom<IChatEngine>(engine);
        var result = await chat.ChatAsync(Ask(), null, TestContext.Current.CancellationToken).WaitAsync(s_guard, TestContext.Current.CancellationToken);

        Assert.Equal("plain", chat.ChatLayout);
        Assert.Equal("plain", result.Layout);
    }

    [Fact]
    public async Task SharedWorker_ChatsInTheLayoutOfItsCommandLine()
    {
        var (worker, port) = await LspCopilotProcess.StartSharedWorkerAsync(
            ChatModels.ChatML(_folder),
            new Dictionary<string, string?> { [AccessToken.EnvironmentVariable] = Token },
            ["--chat-template", "zephyr"]);
        await using var _ = worker;
        using var engine = Composition.SharedWorker(new WorkerEndpoint("127.0.0.1", port), Token)(new EngineOptions(), ServerLog.Silent);

        var chat = Assert.IsAssignableFrom<IChatEngine>(engine);
        var result = await chat.ChatAsync(Ask(), null, TestContext.Current.CancellationToken).WaitAsync(s_guard, TestContext.Current.CancellationToken);

        Assert.Equal("chat template (zephyr)", chat.ChatLayout);
        Assert.Equal(8, result.Stats.GeneratedTokens);
    }
}
