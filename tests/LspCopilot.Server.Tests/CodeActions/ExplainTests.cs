using System.Text.Json;
using LspCopilot.Server.Protocol;
using LspCopilot.TestSupport;

namespace LspCopilot.Server.Tests.CodeActions;

/// <summary>lspcopilot/explain and the lspcopilot.server.explain command: streaming, cancellation, conversations, faults.</summary>
public sealed class ExplainTests
{
    private const string Calculator = """
        namespace App;

        public class Calculator
        {
            public int Add(int a, int b)
            {
                [|return a + b;|]
            }
        }
        """;

    private const string Answer = "It adds `a` and `b` and returns the sum, with no overflow check.";

    [Fact]
    public async Task Explain_StreamsMarkdownAsProgress_AndEndsWithTheFullText()
    {
        var engine = new ScriptedChatEngine(Answer);
        await using var session = await CodeActionSession.StartAsync(engine);
        var (uri, range) = await session.OpenAsync("Calculator.cs", Calculator);

        var response = await session.Raw.RequestAsync(LspMethods.Explain, new { textDocument = new { uri }, range, partialResultToken = "x1" });

        var result = Result(response);
        Assert.Equal(Answer, result.GetProperty("markdown").GetString());
        var conversation = result.GetProperty("conversationId").GetString();
        Assert.False(string.IsNullOrEmpty(conversation));
        var partials = Progress(session, "x1");
        Assert.NotEmpty(partials);
        Assert.All(partials, p =>
        {
            Assert.StartsWith(p.GetProperty("markdown").GetString()!, Answer, StringComparison.Ordinal);
            Assert.Equal(conversation, p.GetProperty("conversationId").GetString());
        });
        Assert.True(IndexOfLastProgress(session, "x1") < IndexOfResponse(session, response), "Every $/progress comes before the response.");
        var user = Assert.Single(engine.Chats).Messages[^1].Content;
        Assert.Contains("return a + b;", user, StringComparison.Ordinal);
        Assert.Contains("Explain what this code does.", user, StringComparison.Ordinal);
        Assert.Equal(conversation, engine.Chats.Single().ConversationId);
    }

    [Theory]
    [InlineData(null, 768)]
    [InlineData(200, 200)]
    [InlineData(4, 768)]
    public async Task Explain_ExplainMaxTokensOption_BoundsTheAnswer_OutOfRangeKeepsTheDefault(int? explainMaxTokens, int expected)
    {
        var engine = new ScriptedChatEngine(Answer);
        await using var session = await CodeActionSession.StartAsync(engine, new { codeActions = new { explainMaxTokens } });
        var (uri, range) = await session.OpenAsync("Calculator.cs", Calculator);

        Result(await session.Raw.RequestAsync(LspMethods.Explain, new { textDocument = new { uri }, range }));

        Assert.Equal(expected, Assert.Single(engine.Chats).Generation.MaxTokens);
    }

    [Fact]
    public async Task Explain_CancelRequestMidStream_AnswersRequestCancelled_ServerStaysUp()
    {
        var engine = new ScriptedChatEngine(Answer) { HoldAfterFirstWords = true };
        await using var session = await CodeActionSession.StartAsync(engine);
        var (uri, range) = await session.OpenAsync("Calculator.cs", Calculator);

        var (id, response) = await session.Raw.StartRequestAsync(LspMethods.Explain, new { textDocument = new { uri }, range, partialResultToken = "x2" });
        await engine.Streaming.Task.WaitAsync(TimeSpan.FromSeconds(20));
        await session.Raw.CancelAsync(id);
        var answer = await response.WaitAsync(TimeSpan.FromSeconds(20));
        var listing = await session.ActionsAsync(uri, range);

        Assert.Equal(LspErrorCodes.RequestCancelled, answer.GetProperty("error").GetProperty("code").GetInt32());
        Assert.NotEmpty(listing);
    }

    [Fact]
    public async Task Explain_FollowUp_ContinuesTheConversation_WithItsHistoryAndId()
    {
        var engine = new ScriptedChatEngine(Answer, "Yes: `int.MaxValue + 1` wraps to `int.MinValue`.");
        await using var session = await CodeActionSession.StartAsync(engine);
        var (uri, range) = await session.OpenAsync("Calculator.cs", Calculator);
        var first = Result(await session.Raw.RequestAsync(LspMethods.Explain, new { textDocument = new { uri }, range }));
        var conversation = first.GetProperty("conversationId").GetString();

        var second = Result(await session.Raw.RequestAsync(LspMethods.Explain, new { textDocument = new { uri }, conversationId = conversation, question = "Can it overflow?" }));

        Assert.Equal(conversation, second.GetProperty("conversationId").GetString());
        Assert.StartsWith("Yes", second.GetProperty("markdown").GetString(), StringComparison.Ordinal);
        var followUp = engine.Chats.Last();
        Assert.Equal(conversation, followUp.ConversationId);
        Assert.Equal(["system", "user", "assistant", "user"], followUp.Messages.Select(m => m.Role));
        Assert.Equal(Answer, followUp.Messages[2].Content);
        Assert.Equal("Can it overflow?", followUp.Messages[3].Content);
    }

    [Fact]
    public async Task Explain_UnknownConversation_InvalidParamsSayingHowToStartOne()
    {
        await using var session = await CodeActionSession.StartAsync(new ScriptedChatEngine(Answer));
        var (uri, _) = await session.OpenAsync("Calculator.cs", Calculator);

        var response = await session.Raw.RequestAsync(LspMethods.Explain, new { textDocument = new { uri }, conversationId = "nope", question = "Why?" });

        Assert.Equal(LspErrorCodes.InvalidParams, response.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Contains("without conversationId", response.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task EndConversation_ForgetsItHereAndInTheEngine()
    {
        var engine = new ScriptedChatEngine(Answer);
        await using var session = await CodeActionSession.StartAsync(engine);
        var (uri, range) = await session.OpenAsync("Calculator.cs", Calculator);
        var conversation = Result(await session.Raw.RequestAsync(LspMethods.Explain, new { textDocument = new { uri }, range })).GetProperty("conversationId").GetString();

        var ended = await session.Raw.RequestAsync(LspMethods.EndConversation, new { conversationId = conversation });
        var followUp = await session.Raw.RequestAsync(LspMethods.Explain, new { textDocument = new { uri }, conversationId = conversation, question = "And?" });

        Assert.Equal(JsonValueKind.Null, ended.GetProperty("result").ValueKind);
        Assert.True(await Eventually.TrueAsync(() => engine.EndedConversations.Contains(conversation!)));
        Assert.Equal(LspErrorCodes.InvalidParams, followUp.GetProperty("error").GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task Explain_ThinkingIsFoldedOutOfTheMarkdown_AndReturnedAsReasoning()
    {
        var engine = new ScriptedChatEngine("<think> The user wants the sum explained. </think>\n\n" + Answer);
        await using var session = await CodeActionSession.StartAsync(engine);
        var (uri, range) = await session.OpenAsync("Calculator.cs", Calculator);

        var result = Result(await session.Raw.RequestAsync(LspMethods.Explain, new { textDocument = new { uri }, range, partialResultToken = "x3" }));

        Assert.Equal(Answer, result.GetProperty("markdown").GetString());
        Assert.Equal("The user wants the sum explained.", result.GetProperty("reasoning").GetString());
        Assert.All(Progress(session, "x3"), p => Assert.DoesNotContain("user wants", p.GetProperty("markdown").GetString(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task Explain_EngineCrashesMidStream_RequestFailedWithTheReason_ServerStaysUp()
    {
        var engine = new ScriptedChatEngine(Answer) { CrashAfterFirstWords = true };
        await using var session = await CodeActionSession.StartAsync(engine);
        var (uri, range) = await session.OpenAsync("Calculator.cs", Calculator);

        var response = await session.Raw.RequestAsync(LspMethods.Explain, new { textDocument = new { uri }, range, partialResultToken = "x4" });
        var listing = await session.ActionsAsync(uri, range);

        Assert.Equal(LspErrorCodes.RequestFailed, response.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Contains("died", response.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.NotEmpty(listing);
    }

    [Fact]
    public async Task Explain_ModelWithoutChat_APlainPromptEndingInTheExplanationHeader_PrefixOnly()
    {
        var engine = new ScriptedChatEngine(Answer + "\n\n## Explanation\n\nmore") { ChatLayout = null };
        await using var session = await CodeActionSession.StartAsync(engine);
        var (uri, range) = await session.OpenAsync("Calculator.cs", Calculator);

        var result = Result(await session.Raw.RequestAsync(LspMethods.Explain, new { textDocument = new { uri }, range }));

        Assert.Equal(Answer, result.GetProperty("markdown").GetString());
        var request = Assert.Single(engine.Completions);
        Assert.Empty(engine.Chats);
        Assert.Equal(string.Empty, request.Suffix);
        Assert.Contains("return a + b;", request.Prefix, StringComparison.Ordinal);
        Assert.EndsWith("## Explanation\n\n", request.Prefix, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Explain_EmptyRange_ExplainsTheMemberAroundTheCursor()
    {
        var engine = new ScriptedChatEngine(Answer);
        await using var session = await CodeActionSession.StartAsync(engine);
        var (uri, range) = await session.OpenAsync("Calculator.cs", CodeActionSession.Unmark(Calculator).Text.Replace("a + b", "a $$+ b", StringComparison.Ordinal));

        Result(await session.Raw.RequestAsync(LspMethods.Explain, new { textDocument = new { uri }, range }));

        Assert.Contains("public int Add(int a, int b)", engine.Chats.Single().Messages[^1].Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Explain_UnopenedDocument_InvalidParams()
    {
        await using var session = await CodeActionSession.StartAsync(new ScriptedChatEngine(Answer));

        var response = await session.Raw.RequestAsync(LspMethods.Explain, new { textDocument = new { uri = "file:///nowhere/X.cs" }, range = new { start = new { line = 0, character = 0 }, end = new { line = 0, character = 0 } } });

        Assert.Equal(LspErrorCodes.InvalidParams, response.GetProperty("error").GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task ExecuteCommand_Explain_ReturnsTheMarkdownAndShowsIt()
    {
        var engine = new ScriptedChatEngine(Answer);
        await using var session = await CodeActionSession.StartAsync(engine);
        var (uri, range) = await session.OpenAsync("Calculator.cs", Calculator);
        var action = await session.ActionAsync(uri, range, "explain");

        var response = await session.Raw.RequestAsync(LspMethods.ExecuteCommand, new
        {
            command = action.GetProperty("command").GetProperty("command").GetString(),
            arguments = action.GetProperty("command").GetProperty("arguments"),
        });

        Assert.Equal(Answer, response.GetProperty("result").GetString());
        var shown = await session.Raw.WaitForAsync(m => RawLspClient.IsNotification(m, LspMethods.ShowMessage) && m.GetProperty("params").GetProperty("message").GetString() == Answer);
        Assert.Equal(MessageType.Info, shown.GetProperty("params").GetProperty("type").GetInt32());
    }

    [Fact]
    public async Task ExecuteCommand_UnknownCommand_InvalidParamsNamingTheKnownOnes()
    {
        await using var session = await CodeActionSession.StartAsync(new ScriptedChatEngine(Answer));

        var response = await session.Raw.RequestAsync(LspMethods.ExecuteCommand, new { command = "lspcopilot.explain", arguments = Array.Empty<object>() });

        Assert.Equal(LspErrorCodes.InvalidParams, response.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Contains("lspcopilot.server.explain", response.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    private static JsonElement Result(JsonElement response)
    {
        Assert.False(response.TryGetProperty("error", out var error), "The request failed: " + error);
        return response.GetProperty("result");
    }

    private static List<JsonElement> Progress(CodeActionSession session, string token) =>
        [.. session.Raw.Received
            .Where(m => RawLspClient.IsNotification(m, LspMethods.Progress) && m.GetProperty("params").GetProperty("token").GetString() == token)
            .Select(m => m.GetProperty("params").GetProperty("value"))];

    private static int IndexOfLastProgress(CodeActionSession session, string token) =>
        session.Raw.Received.ToList().FindLastIndex(m => RawLspClient.IsNotification(m, LspMethods.Progress) && m.GetProperty("params").GetProperty("token").GetString() == token);

    private static int IndexOfResponse(CodeActionSession session, JsonElement response) =>
        session.Raw.Received.ToList().FindIndex(m => m.TryGetProperty("id", out var id) && !m.TryGetProperty("method", out _) && id.GetRawText() == response.GetProperty("id").GetRawText());
}
