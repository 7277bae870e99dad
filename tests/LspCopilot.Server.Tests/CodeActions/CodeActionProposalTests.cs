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
    public async Task CodeAction_InAnotherLanguage_TheEditorsErrorsInRange_EachGetAFix_OthersNot()
    {
        await using var session = await StartAsync(new ScriptedChatEngine("unused"));
        var (uri, range) = await session.OpenAsync("run.py", "def run():\n    return [|missing|]\n\ndef other():\n    pass\n", languageId: "python");
        object At(int line, int from, int to) => new { start = new { line, character = from }, end = new { line, character = to } };

        var response = await session.ListAsync(uri, range, diagnostics:
        [
            new { range = At(1, 11, 18), message = "\"missing\" is not defined", code = "reportUndefinedVariable", source = "Pylance", severity = 1 },
            new { range = At(1, 11, 18), message = "Consider a docstring", source = "pylint", severity = 3 },
            new { range = At(4, 4, 8), message = "Unnecessary pass statement", code = 264, source = "ruff", severity = 2 },
            new { range = At(1, 4, 18), message = "Line has no effect", code = 264, severity = 2 },
        ]);

        var fixes = response.GetProperty("result").EnumerateArray().Where(a => a.GetProperty("kind").GetString() == CodeActionCatalog.QuickFixKind).ToList();
        Assert.Equal(["Fix this error (LspCopilot): reportUndefinedVariable (not compile-checked)", "Fix this error (LspCopilot): 264 (not compile-checked)"], fixes.Select(f => f.GetProperty("title").GetString()));
        Assert.Equal("Pylance", fixes[0].GetProperty("diagnostics")[0].GetProperty("source").GetString());
        var data = fixes[0].GetProperty("data").GetProperty("diagnostic");
        Assert.Equal("\"missing\" is not defined (Pylance)", data.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Resolve_FixInAnotherLanguage_TheErrorReachesThePrompt_EditAppliedUncheckedAndLabelledSo()
    {
        var engine = new ScriptedChatEngine("```python\ndef run():\n    return None\n```");
        await using var session = await StartAsync(engine);
        const string Python = "def run():\n    return $$missing\n\ndef other():\n    pass\n";
        var (uri, range) = await session.OpenAsync("run.py", Python, languageId: "python");
        var listed = await session.ListAsync(uri, range, diagnostics:
        [
            new { range, message = "\"missing\" is not defined", source = "Pylance", severity = 1 },
        ]);
        var fix = listed.GetProperty("result").EnumerateArray().Single(a => a.GetProperty("kind").GetString() == CodeActionCatalog.QuickFixKind);
        Assert.Equal("Fix this error (LspCopilot): \"missing\" is not defined (Pylance) (not compile-checked)", fix.GetProperty("title").GetString());

        var resolved = await session.ResolveAsync(fix);

        Assert.Equal("def run():\n    return None\n\ndef other():\n    pass\n", CodeActionSession.Apply(Unmarked(Python), resolved));
        Assert.Contains("The error: \"missing\" is not defined (Pylance)", engine.Chats.Single().Messages[^1].Content, StringComparison.Ordinal);
        var annotation = Result(resolved).GetProperty("edit").GetProperty("changeAnnotations").GetProperty(RefactorEditAnnotation);
        Assert.StartsWith("Not compile-checked", annotation.GetProperty("description").GetString(), StringComparison.Ordinal);
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
