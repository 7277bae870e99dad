using LspCopilot.Backends.Tests.StandIns;
using LspCopilot.Completion;
using LspCopilot.Completion.Chat;

namespace LspCopilot.Backends.Tests.Backends;

/// <summary>Code actions' chats through each backend's chat route, streamed.</summary>
public sealed class ChatTests
{
    private static ChatRequest Question => new([new ChatMessage(ChatMessage.System, "You refactor C#."), new ChatMessage(ChatMessage.User, "Explain x++.")]);

    [Theory]
    [InlineData(BackendOptions.OpenAi, "/v1/chat/completions")]
    [InlineData(BackendOptions.LlamaServer, "/v1/chat/completions")]
    [InlineData(BackendOptions.Ollama, "/api/chat")]
    public async Task Chat_StreamsTheReplyThroughTheChatRoute(string kind, string path)
    {
        await using var server = await AnyStandIn.StartAsync(kind);
        server.Script.Pieces = ["It adds ", "one to ", "x."];
        using var engine = TestBackends.Create(kind, server.Url);
        var seen = new List<string>();

        var result = await engine.ChatAsync(Question, seen.Add, TestContext.Current.CancellationToken).NoHang();

        Assert.Equal("It adds one to x.", result.Text);
        Assert.Equal(["It adds ", "It adds one to ", "It adds one to x."], seen);
        var body = Assert.Single(server.Server.To(path)).Json;
        var messages = body.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(["system", "user"], messages.Select(m => m.GetProperty("role").GetString()));
        Assert.Equal("Explain x++.", messages[1].GetProperty("content").GetString());
        Assert.True(body.GetProperty("stream").GetBoolean());
        Assert.NotNull(engine.ChatLayout);
    }

    [Fact]
    public async Task Chat_StreamCutInTheMiddle_ClearMessage()
    {
        await using var server = await OpenAiStandIn.StartAsync();
        server.Script.Fault = StreamFault.CutInTheMiddle;
        using var engine = TestBackends.Create(BackendOptions.OpenAi, server.Url);

        var error = await Assert.ThrowsAsync<ModelLoadException>(() => engine.ChatAsync(Question, null, TestContext.Current.CancellationToken).NoHang());

        Assert.Contains("broke in the middle of an answer", error.Message, StringComparison.Ordinal);
    }
}
