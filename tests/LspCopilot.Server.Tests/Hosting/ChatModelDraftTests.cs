using LspCopilot.Completion;
using LspCopilot.TestSupport;

namespace LspCopilot.Server.Tests.Hosting;

/// <summary>--draft-model drafts for the completion model only: the chat model (another family, most likely) never gets it.</summary>
public sealed class ChatModelDraftTests
{
    [Fact]
    public async Task WithChatModel_DraftModelGiven_CompletionModelGetsItChatModelDoesNot()
    {
        var completionOptions = new TaskCompletionSource<EngineOptions>();
        var chatOptions = new TaskCompletionSource<EngineOptions>();
        var loader = Composition.WithChatModel(
            (options, _) => { completionOptions.TrySetResult(options); return new FakeEngine("x"); },
            (options, _) => { chatOptions.TrySetResult(options); return new FakeEngine("y"); });

        using var engine = loader(new EngineOptions { ModelPath = "/m/coder.gguf", ChatModelPath = "/m/chat.gguf", DraftModelPath = "/m/coder-small.gguf" }, ServerLog.Silent) as IDisposable;
        var chat = await chatOptions.Task.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal("/m/coder-small.gguf", (await completionOptions.Task).DraftModelPath);
        Assert.Null(chat.DraftModelPath);
        Assert.Equal("/m/chat.gguf", chat.ModelPath);
    }
}
