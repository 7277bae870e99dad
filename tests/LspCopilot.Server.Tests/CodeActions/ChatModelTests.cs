using System.Text.Json;
using LspCopilot.Completion;
using LspCopilot.Completion.Chat;
using LspCopilot.Completion.CodeActions;
using LspCopilot.Server.Hosting;
using LspCopilot.Server.Protocol;
using LspCopilot.TestSupport;

namespace LspCopilot.Server.Tests.CodeActions;

/// <summary>
/// <c>--chat-model</c>: code actions on a second model, completions on the first. End to end with the real engine (the
/// FIM model for completions, a tiny model with a ChatML template for chats), in process and through workers.
/// </summary>
public sealed class ChatModelTests : IDisposable
{
    private const string Calculator = """
        namespace App;

        public class Calculator
        {
            public int Twice(int value)
            {
                [|return value * 2;|]
            }
        }
        """;

    private readonly TempFolder _models = new();

    [Fact]
    public async Task ChatModelInInitializationOptions_ExplainUsesItsTemplate_CompletionsStayOnTheFimModel()
    {
        await using var session = await StartAsync(Composition.WithChatModel(Composition.InProcess, Composition.InProcess), new { chatModel = ChatModels.ChatML(_models), maxTokens = 24, codeActions = new { explainMaxTokens = 32 } });
        var (uri, range) = await session.OpenAsync("Calculator.cs", Calculator);

        var explained = await session.Raw.RequestAsync(LspMethods.Explain, new { textDocument = new { uri }, range });
        var completed = await session.Raw.RequestAsync(LspMethods.InlineCompletion, new { textDocument = new { uri }, position = new { line = 6, character = 8 } });

        Assert.False(explained.TryGetProperty("error", out var error), "explain failed: " + error);
        Assert.Equal("chat template (chatml)", explained.GetProperty("result").GetProperty("layout").GetString());
        Assert.False(completed.TryGetProperty("error", out error), "completion failed: " + error);
        var engine = Assert.IsType<DualModelEngine>(await session.Server.Model.EngineAsync);
        Assert.Equal(TestModels.Fim, engine.ModelName);
        Assert.Equal("chatml.gguf", engine.ChatModel!.ModelName);
    }

    [Fact]
    public async Task WithoutAChatModel_TheCompletionModelExplains()
    {
        await using var session = await StartAsync(Composition.WithChatModel(Composition.InProcess, Composition.InProcess), new { maxTokens = 24, codeActions = new { explainMaxTokens = 32 } });
        var (uri, range) = await session.OpenAsync("Calculator.cs", Calculator);

        var explained = await session.Raw.RequestAsync(LspMethods.Explain, new { textDocument = new { uri }, range });

        // The FIM model has no chat template: the plain layout.
        Assert.Equal(ChatEngines.PlainLayout, explained.GetProperty("result").GetProperty("layout").GetString());
        Assert.IsNotType<DualModelEngine>(await session.Server.Model.EngineAsync);
    }

    [Fact]
    public async Task ChatModelMissing_CodeActionsSayWhatToFix_CompletionsGoOn()
    {
        await using var session = await StartAsync(Composition.WithChatModel(Composition.InProcess, Composition.InProcess), new { chatModel = _models.File("nowhere.gguf"), maxTokens = 24, codeActions = new { explainMaxTokens = 32 } });
        var (uri, range) = await session.OpenAsync("Calculator.cs", Calculator);

        var explained = await session.Raw.RequestAsync(LspMethods.Explain, new { textDocument = new { uri }, range });
        var completed = await session.Raw.RequestAsync(LspMethods.InlineCompletion, new { textDocument = new { uri }, position = new { line = 6, character = 8 } });

        var message = explained.GetProperty("error").GetProperty("message").GetString()!;
        Assert.Contains("nowhere.gguf", message, StringComparison.Ordinal);
        Assert.Contains("--chat-model", message, StringComparison.Ordinal);
        Assert.False(completed.TryGetProperty("error", out var error), "completion failed: " + error);
    }

    [Fact]
    public async Task ChatModelThroughItsOwnWorker_ExplainUsesItsTemplate()
    {
        await using var session = await StartAsync(Composition.WithChatModel(Composition.ChildWorker, Composition.ChildWorker), new { chatModel = ChatModels.SharedChatML(), maxTokens = 24, codeActions = new { explainMaxTokens = 32 } });
        var (uri, range) = await session.OpenAsync("Calculator.cs", Calculator);

        var explained = await session.Raw.RequestAsync(LspMethods.Explain, new { textDocument = new { uri }, range });

        Assert.False(explained.TryGetProperty("error", out var error), "explain failed: " + error);
        Assert.Equal("chat template (chatml)", explained.GetProperty("result").GetProperty("layout").GetString());
    }

    [Fact]
    public async Task DualModelEngine_ChatWaitsForTheChatModelsLoad_CompletionsDoNot()
    {
        using var release = new ManualResetEventSlim();
        var completions = new ScriptedChatEngine("completion");
        var chats = new ScriptedChatEngine("chat reply");
        using var engine = new DualModelEngine(completions, "chat.gguf", () =>
        {
            release.Wait(TestContext.Current.CancellationToken);
            return chats;
        }, ServerLog.Silent);

        var chat = engine.ChatAsync(new ChatRequest([new ChatMessage(ChatMessage.User, "hi")]), null, TestContext.Current.CancellationToken);
        var completed = await engine.CompleteAsync(new CompletionRequest("a", "b", CompletionMode.SingleLine), null, TestContext.Current.CancellationToken);
        Assert.Equal("chat model loading", engine.ChatLayout);
        Assert.False(chat.IsCompleted);
        release.Set();

        Assert.Equal("chat reply", (await chat.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken)).Text);
        Assert.Equal("completion", completed.Text);
        Assert.Single(chats.Chats);
        Assert.Empty(completions.Chats);
    }

    private static async Task<CodeActionSession> StartAsync(Func<EngineOptions, ServerLog, ICompletionEngine> loader, object? initializationOptions) =>
        await CodeActionSession.StartAsync(InMemoryServer.StartRaw(TestModels.Require(TestModels.Fim), loader: loader), initializationOptions);

    public void Dispose() => _models.Dispose();
}
