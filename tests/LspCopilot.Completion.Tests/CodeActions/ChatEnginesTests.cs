using LspCopilot.Completion.Chat;
using LspCopilot.Completion.CodeActions;

namespace LspCopilot.Completion.Tests.CodeActions;

/// <summary>Which layout a code action takes: the model's chat template when it has one; FIM for a base code model's refactors.</summary>
public sealed class ChatEnginesTests
{
    private static readonly FimLayout s_fim = new("starcoder", FimOrder.PrefixSuffixMiddle, 1, 2, 3);

    [Theory]
    [InlineData("chat template (chatml)", true, true)]
    [InlineData("chat template (chatml)", false, true)]
    [InlineData("plain", true, false)]
    [InlineData("plain", false, true)]
    public void RefactorChatOf_FimModelWithoutAChatTemplate_RefactorsThroughFim(string layout, bool hasFim, bool chats)
    {
        var engine = new Engine(layout, hasFim ? s_fim : FimLayout.PrefixOnly);

        Assert.Equal(chats, ChatEngines.RefactorChatOf(engine) is not null);
        Assert.NotNull(ChatEngines.ChatOf(engine));
    }

    [Fact]
    public void ChatOf_NoChatLayout_None()
    {
        Assert.Null(ChatEngines.ChatOf(new Engine(null, s_fim)));
        Assert.Null(ChatEngines.RefactorChatOf(new Engine(null, s_fim)));
    }

    private sealed class Engine(string? layout, FimLayout fim) : ICompletionEngine, IChatEngine
    {
        public string? ChatLayout => layout;

        public string ModelName => "m";

        public FimLayout Fim => fim;

        public int ContextSize => 512;

        public Task<ChatResult> ChatAsync(ChatRequest request, Action<string>? onText, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task EndConversationAsync(string conversationId, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task<CompletionResult> CompleteAsync(CompletionRequest request, Action<string>? onText, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlyList<int>> CountTokensAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task RememberAsync(CompletionRequest request, string text, CancellationToken cancellationToken) => Task.CompletedTask;

        public void Dispose()
        {
        }
    }
}
