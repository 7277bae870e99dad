using System.Text.Json;
using LspCopilot.Completion.CodeActions;
using LspCopilot.Server.Protocol;
using static LspCopilot.Server.Tests.CodeActions.ResolveSources;

namespace LspCopilot.Server.Tests.CodeActions;

/// <summary>
/// codeAction/resolve, how a proposal becomes an edit: code read out of the reply (fences, thinking, prose), the
/// layouts (chat, fill-in-the-middle), instructions, other languages, clients without versioned edits, and Explain.
/// </summary>
public sealed class CodeActionProposalTests
{
    [Fact]
    public async Task Resolve_ProseOnlyReply_ErrorQuotesItsFirstLine_NoEdit()
    {
        var engine = new ScriptedChatEngine("\nThis code is already as simple as it can be.\nNothing to change.");
        var (resolved, uri) = await ResolveOnCalculatorAsync(engine, CodeActionCatalog.Simplify);

        var error = resolved.GetProperty("error");
        Assert.Equal(LspErrorCodes.RequestFailed, error.GetProperty("code").GetInt32());
        Assert.Contains("\"This code is already as simple as it can be.\"", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resolve_ReplyWithAThinkBlock_CodeComesFromTheAnswerOnly()
    {
        var engine = new ScriptedChatEngine("<think>\nMaybe:\n```csharp\nreturn 0;\n```\nNo, keep the sum.\n</think>\nSure:\n```bash\ndotnet build\n```\n```csharp\nreturn System.Linq.Enumerable.Sum(values);\n```");
        var (resolved, uri) = await ResolveOnCalculatorAsync(engine, CodeActionCatalog.Simplify);

        Assert.Equal(Normalize(Simplified), Normalize(CodeActionSession.Apply(Unmarked(Calculator), resolved)));
    }

    [Fact]
    public async Task Resolve_UnfencedReplyThatParsesAsTheStatements_IsTaken()
    {
        var engine = new ScriptedChatEngine("return System.Linq.Enumerable.Sum(values);");
        var (resolved, uri) = await ResolveOnCalculatorAsync(engine, CodeActionCatalog.Simplify);

        Assert.Equal(Normalize(Simplified), Normalize(CodeActionSession.Apply(Unmarked(Calculator), resolved)));
    }

    [Fact]
    public async Task Resolve_InAnotherLanguage_EditAppliedWithoutACheck_AndLabelledSo()
    {
        var engine = new ScriptedChatEngine("```python\nreturn sum(values)\n```");
        await using var session = await StartAsync(engine);
        const string Python = "def total(values):\n    [|result = 0\n    for value in values:\n        result += value\n    return result|]\n";
        var (uri, range) = await session.OpenAsync("total.py", Python, languageId: "python");
        var action = await session.ActionAsync(uri, range, CodeActionCatalog.Simplify);

        var resolved = await session.ResolveAsync(action);

        Assert.Equal("def total(values):\n    return sum(values)\n", CodeActionSession.Apply(Unmarked(Python), resolved));
        var result = Result(resolved);
        Assert.EndsWith("(not compile-checked)", result.GetProperty("title").GetString(), StringComparison.Ordinal);
        var annotation = result.GetProperty("edit").GetProperty("changeAnnotations").GetProperty(RefactorEditAnnotation);
        Assert.EndsWith("(not compile-checked)", annotation.GetProperty("label").GetString(), StringComparison.Ordinal);
        Assert.True(annotation.GetProperty("needsConfirmation").GetBoolean());
    }

    [Fact]
    public async Task Resolve_InstructionsWithoutTheText_InvalidParamsSayingWhereToPutIt()
    {
        var engine = new ScriptedChatEngine(CleanStatements);
        var (resolved, uri) = await ResolveOnCalculatorAsync(engine, CodeActionCatalog.Instructions);

        Assert.Equal(LspErrorCodes.InvalidParams, resolved.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Contains("data.instruction", resolved.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, engine.Calls);
    }

    [Fact]
    public async Task Resolve_InstructionsInTheData_ReachThePrompt()
    {
        var engine = new ScriptedChatEngine(CleanStatements);
        var (resolved, _) = await ResolveOnCalculatorAsync(engine, CodeActionCatalog.Instructions, action => JsonSerializer.SerializeToElement(WithInstruction(action, "use LINQ's Sum")));

        Assert.True(resolved.TryGetProperty("result", out _), "resolve failed: " + resolved);
        Assert.Contains("use LINQ's Sum", engine.Chats.Single().Messages[^1].Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resolve_ModelWithoutChat_RefactorsThroughFillInTheMiddleAroundTheSpan()
    {
        var engine = new ScriptedChatEngine("return System.Linq.Enumerable.Sum(values);") { ChatLayout = null };
        var (resolved, uri) = await ResolveOnCalculatorAsync(engine, CodeActionCatalog.Simplify);

        Assert.Equal(Normalize(Simplified), Normalize(CodeActionSession.Apply(Unmarked(Calculator), resolved)));
        var request = Assert.Single(engine.Completions);
        Assert.Empty(engine.Chats);
        Assert.EndsWith("    {\n        ", request.Prefix, StringComparison.Ordinal);
        Assert.StartsWith("\n    }\n}", request.Suffix, StringComparison.Ordinal);
        Assert.Contains("Simplify this code", request.Context, StringComparison.Ordinal);
        Assert.Contains("fill-in-the-middle", Result(resolved).GetProperty("edit").GetProperty("changeAnnotations").GetProperty(RefactorEditAnnotation).GetProperty("description").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resolve_Explain_ResolvesToItsCommand_NoModelCall()
    {
        var engine = new ScriptedChatEngine("unused");
        var (resolved, uri) = await ResolveOnCalculatorAsync(engine, CodeActionCatalog.Explain);

        var command = Result(resolved).GetProperty("command");
        Assert.Equal(LspCommands.Explain, command.GetProperty("command").GetString());
        Assert.Equal(uri, command.GetProperty("arguments")[0].GetProperty("textDocument").GetProperty("uri").GetString());
        Assert.False(Result(resolved).TryGetProperty("edit", out _));
        Assert.Equal(0, engine.Calls);
    }

    [Fact]
    public async Task Resolve_ClientWithoutDocumentChanges_GetsPlainChanges()
    {
        var engine = new ScriptedChatEngine(CleanStatements);
        var (resolved, uri) = await ResolveOnCalculatorAsync(engine, CodeActionCatalog.Simplify, documentChanges: false);

        var edit = Result(resolved).GetProperty("edit");
        Assert.False(edit.TryGetProperty("documentChanges", out _));
        Assert.NotEmpty(edit.GetProperty("changes").GetProperty(uri).EnumerateArray());
    }

    /// <summary>Opens Calculator.cs, lists its actions and resolves <paramref name="actionId"/> (after <paramref name="change"/>, when given).</summary>
    private static async Task<(JsonElement Resolved, string Uri)> ResolveOnCalculatorAsync(ScriptedChatEngine engine, string actionId, Func<JsonElement, JsonElement>? change = null, bool documentChanges = true)
    {
        await using var session = documentChanges ? await StartAsync(engine) : await CodeActionSession.StartAsync(engine, documentChanges: false);
        var (uri, range) = await session.OpenAsync("Calculator.cs", Calculator);
        var action = await session.ActionAsync(uri, range, actionId);
        return (await session.ResolveAsync(change is null ? action : change(action)), uri);
    }

    private static Dictionary<string, object?> WithInstruction(JsonElement action, string instruction)
    {
        var copy = JsonSerializer.Deserialize<Dictionary<string, object?>>(action.GetRawText())!;
        var data = JsonSerializer.Deserialize<Dictionary<string, object?>>(action.GetProperty("data").GetRawText())!;
        data["instruction"] = instruction;
        copy["data"] = data;
        return copy;
    }
}
