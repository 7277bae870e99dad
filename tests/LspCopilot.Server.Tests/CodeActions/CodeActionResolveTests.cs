using System.Text.Json;
using LspCopilot.Completion.CodeActions;
using LspCopilot.Server.Protocol;

using static LspCopilot.Server.Tests.CodeActions.ResolveSources;

namespace LspCopilot.Server.Tests.CodeActions;

/// <summary>
/// codeAction/resolve with proposals chosen by the test (a scripted chat model): the compile check's verdicts
/// over the whole project, the edit's shape, and the errors for stale or unknown actions.
/// </summary>
public sealed class CodeActionResolveTests
{
    private const string Caller = """
        namespace App;

        public static class Program
        {
            public static int Run() => new Calculator().Sum(new[] { 1, 2, 3 });
        }
        """;

    [Fact]
    public async Task Resolve_CleanProposal_MinimalEditForTheListedVersion_WithAConfirmationAnnotation()
    {
        var engine = new ScriptedChatEngine(CleanStatements);
        await using var session = await StartAsync(engine);
        var (uri, range) = await session.OpenAsync("Calculator.cs", Calculator, version: 3);
        var action = await session.ActionAsync(uri, range, CodeActionCatalog.Simplify);

        var resolved = await session.ResolveAsync(action);

        var result = Result(resolved);
        Assert.Equal("Refactor: simplify", result.GetProperty("title").GetString());
        var change = result.GetProperty("edit").GetProperty("documentChanges")[0];
        Assert.Equal(uri, change.GetProperty("textDocument").GetProperty("uri").GetString());
        Assert.Equal(3, change.GetProperty("textDocument").GetProperty("version").GetInt32());
        var edits = change.GetProperty("edits").EnumerateArray().ToList();
        Assert.All(edits, e =>
        {
            Assert.True(e.GetProperty("range").GetProperty("start").GetProperty("line").GetInt32() >= 6, "An edit touches the lines before the selection: " + e);
            Assert.Equal(RefactorEditAnnotation, e.GetProperty("annotationId").GetString());
        });
        var annotation = result.GetProperty("edit").GetProperty("changeAnnotations").GetProperty(RefactorEditAnnotation);
        Assert.True(annotation.GetProperty("needsConfirmation").GetBoolean());
        Assert.Contains("Compile-checked", annotation.GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Equal(Normalize(Simplified), Normalize(CodeActionSession.Apply(Unmarked(Calculator), resolved)));
        Assert.Single(engine.Chats);
    }

    [Fact]
    public async Task Resolve_ThePrompt_HasTheCodeTheTaskAndTheSignaturesItUses()
    {
        var engine = new ScriptedChatEngine("```csharp\nreturn Helper.Total(values);\n```");
        await using var session = await StartAsync(engine, files: ("Helper.cs", "namespace App;\n\n/// <summary>Adds.</summary>\npublic static class Helper\n{\n    /// <summary>The sum of the values.</summary>\n    public static int Total(int[] values) => 0;\n}\n"));
        var (uri, range) = await session.OpenAsync("Calculator.cs", Calculator.Replace("var total = 0;", "var total = Helper.Total(values);", StringComparison.Ordinal));
        var action = await session.ActionAsync(uri, range, CodeActionCatalog.Simplify);

        await session.ResolveAsync(action);

        var user = engine.Chats.Single().Messages.Last(m => m.Role == "user").Content;
        Assert.Contains("```csharp\nvar total = Helper.Total(values);", user, StringComparison.Ordinal);
        Assert.Contains("Simplify this code", user, StringComparison.Ordinal);
        Assert.Contains("Helper.Total(int[] values)", user, StringComparison.Ordinal);
        Assert.Contains("The sum of the values", user, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resolve_EmptySelection_ReplacesTheEnclosingMember()
    {
        var engine = new ScriptedChatEngine("```csharp\npublic int Sum(int[] values)\n{\n    return System.Linq.Enumerable.Sum(values);\n}\n```");
        await using var session = await StartAsync(engine);
        var text = Unmarked(Calculator).Replace("return total;", "return $$total;", StringComparison.Ordinal);
        var (uri, range) = await session.OpenAsync("Calculator.cs", text);
        var action = await session.ActionAsync(uri, range, CodeActionCatalog.Simplify);

        var resolved = await session.ResolveAsync(action);

        Assert.Equal(Normalize(Simplified), Normalize(CodeActionSession.Apply(Unmarked(Calculator), resolved)));
        Assert.Contains("public int Sum(int[] values)", engine.Chats.Single().Messages[^1].Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resolve_ProposalThatAddsAnError_NextCandidateIsSampledAndOffered()
    {
        var engine = new ScriptedChatEngine("```csharp\nreturn values.Total();\n```", CleanStatements);
        await using var session = await StartAsync(engine);
        var (uri, range) = await session.OpenAsync("Calculator.cs", Calculator);
        var action = await session.ActionAsync(uri, range, CodeActionCatalog.Simplify);

        var resolved = await session.ResolveAsync(action);

        Assert.Equal(Normalize(Simplified), Normalize(CodeActionSession.Apply(Unmarked(Calculator), resolved)));
        var chats = engine.Chats.ToList();
        Assert.Equal(2, chats.Count);
        Assert.True(chats[1].Generation.Temperature > 0, "The extra candidate is sampled.");
        Assert.Contains("proposal 2", Result(resolved).GetProperty("edit").GetProperty("changeAnnotations").GetProperty(RefactorEditAnnotation).GetProperty("description").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resolve_ProposalThatBreaksACallerInAnotherFile_IsRefused()
    {
        const string breaksTheCaller = "```csharp\npublic int Sum(int[] values, int start)\n{\n    return start + System.Linq.Enumerable.Sum(values);\n}\n```";
        var engine = new ScriptedChatEngine(breaksTheCaller);
        await using var session = await StartAsync(engine, files: ("Program.cs", Caller));
        var (uri, range) = await session.OpenAsync("Calculator.cs", Unmarked(Calculator).Replace("return total;", "return $$total;", StringComparison.Ordinal));
        var action = await session.ActionAsync(uri, range, CodeActionCatalog.Simplify);

        var resolved = await session.ResolveAsync(action);

        var error = resolved.GetProperty("error");
        Assert.Equal(LspErrorCodes.RequestFailed, error.GetProperty("code").GetInt32());
        Assert.Contains("Program.cs: CS7036", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(4, engine.Chats.Count);
    }

    [Fact]
    public async Task Resolve_NoCandidateIsClean_ErrorSaysSoAndListsTheFirstErrors_NoEdit()
    {
        var engine = new ScriptedChatEngine("```csharp\nreturn values.Total();\n```");
        await using var session = await StartAsync(engine);
        var (uri, range) = await session.OpenAsync("Calculator.cs", Calculator);
        var action = await session.ActionAsync(uri, range, CodeActionCatalog.Simplify);

        var resolved = await session.ResolveAsync(action);

        Assert.False(resolved.TryGetProperty("result", out _));
        var message = resolved.GetProperty("error").GetProperty("message").GetString()!;
        Assert.Equal(LspErrorCodes.RequestFailed, resolved.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Contains("None of the 4 proposals compiles cleanly", message, StringComparison.Ordinal);
        Assert.Contains("CS1061", message, StringComparison.Ordinal);
        Assert.Equal(4, engine.Chats.Count);
    }

    [Fact]
    public async Task Resolve_CandidatesSetting_BoundsTheSamples()
    {
        var engine = new ScriptedChatEngine("```csharp\nreturn values.Total();\n```");
        await using var session = await StartAsync(engine, new { codeActions = new { candidates = 1 } });
        var (uri, range) = await session.OpenAsync("Calculator.cs", Calculator);
        var action = await session.ActionAsync(uri, range, CodeActionCatalog.Simplify);

        var resolved = await session.ResolveAsync(action);

        Assert.Contains("None of the 2 proposals", resolved.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(2, engine.Chats.Count);
    }

    [Fact]
    public async Task Resolve_FixThisError_ProposalThatRemovesTheDiagnostic_IsOffered()
    {
        var engine = new ScriptedChatEngine(LeavesTheError, "```csharp\npublic int Twice(int value)\n{\n    return value * 2;\n}\n```");
        await using var session = await StartAsync(engine);
        var (uri, range) = await session.OpenAsync("Twice.cs", Twice);
        var fix = await session.ActionAsync(uri, range, CodeActionCatalog.FixError);

        var resolved = await session.ResolveAsync(fix);

        Assert.Contains("return value * 2;", CodeActionSession.Apply(Unmarked(Twice), resolved), StringComparison.Ordinal);
        Assert.Equal(2, engine.Chats.Count);
        Assert.Contains("CS0103", engine.Chats.First().Messages[^1].Content, StringComparison.Ordinal);
        Assert.Contains("removes the error", Result(resolved).GetProperty("edit").GetProperty("changeAnnotations").GetProperty(RefactorEditAnnotation).GetProperty("description").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resolve_FixThisError_ProposalsThatLeaveTheDiagnostic_Refused()
    {
        var engine = new ScriptedChatEngine(LeavesTheError);
        await using var session = await StartAsync(engine);
        var (uri, range) = await session.OpenAsync("Twice.cs", Twice);
        var fix = await session.ActionAsync(uri, range, CodeActionCatalog.FixError);

        var resolved = await session.ResolveAsync(fix);

        Assert.Equal(LspErrorCodes.RequestFailed, resolved.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Contains("removes the error", resolved.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resolve_FixThisError_ThatSwapsItForAnotherError_Refused()
    {
        var engine = new ScriptedChatEngine("```csharp\npublic int Twice(int value)\n{\n    return other * 2;\n}\n```");
        await using var session = await StartAsync(engine, new { codeActions = new { candidates = 0 } });
        var (uri, range) = await session.OpenAsync("Twice.cs", Twice);
        var fix = await session.ActionAsync(uri, range, CodeActionCatalog.FixError);

        var resolved = await session.ResolveAsync(fix);

        Assert.Contains("'other'", resolved.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resolve_StaleVersion_ContentModified_NoModelCall()
    {
        var engine = new ScriptedChatEngine(CleanStatements);
        await using var session = await StartAsync(engine);
        var (uri, range) = await session.OpenAsync("Calculator.cs", Calculator);
        var action = await session.ActionAsync(uri, range, CodeActionCatalog.Simplify);
        await session.Raw.NotifyAsync(LspMethods.DidChange, new
        {
            textDocument = new { uri, version = 2 },
            contentChanges = new[] { new { text = Unmarked(Calculator) + "\n// edited\n" } },
        });

        var resolved = await session.ResolveAsync(action);

        Assert.Equal(LspErrorCodes.ContentModified, resolved.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal(0, engine.Calls);
    }

    [Fact]
    public async Task Resolve_DocumentEditedWhileTheModelWrites_ContentModified_NoEdit()
    {
        var engine = new ScriptedChatEngine(CleanStatements) { HoldAfterFirstWords = true };
        await using var session = await StartAsync(engine);
        var (uri, range) = await session.OpenAsync("Calculator.cs", Calculator);
        var action = await session.ActionAsync(uri, range, CodeActionCatalog.Simplify);

        var (_, response) = await session.Raw.StartRequestAsync(LspMethods.CodeActionResolve, action);
        await engine.Streaming.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await session.Raw.NotifyAsync(LspMethods.DidChange, new
        {
            textDocument = new { uri, version = 2 },
            contentChanges = new[] { new { text = Unmarked(Calculator) + "\n// typed\n" } },
        });
        var resolved = await response.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(LspErrorCodes.ContentModified, resolved.GetProperty("error").GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task Resolve_DocumentClosedSinceListing_InvalidParams()
    {
        var engine = new ScriptedChatEngine(CleanStatements);
        await using var session = await StartAsync(engine);
        var (uri, range) = await session.OpenAsync("Calculator.cs", Calculator);
        var action = await session.ActionAsync(uri, range, CodeActionCatalog.Simplify);
        await session.Raw.NotifyAsync(LspMethods.DidClose, new { textDocument = new { uri } });

        var resolved = await session.ResolveAsync(action);

        Assert.Equal(LspErrorCodes.InvalidParams, resolved.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Contains("not open", resolved.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, engine.Calls);
    }

    [Theory]
    [InlineData("""{"title":"Refactor: simplify"}""")]
    [InlineData("""{"title":"x","data":"simplify"}""")]
    [InlineData("""{"title":"x","data":{"uri":"URI","range":{"start":{"line":0,"character":0},"end":{"line":0,"character":0}},"version":1,"actionId":"rewrite-everything"}}""")]
    [InlineData("""{"title":"x","data":{"range":{"start":{"line":0,"character":0},"end":{"line":0,"character":0}},"version":1,"actionId":"simplify"}}""")]
    [InlineData("""{"title":"x","data":{"uri":"URI","range":"everywhere","version":1,"actionId":"simplify"}}""")]
    public async Task Resolve_UnknownData_InvalidParams_ServerStaysUp(string action)
    {
        var engine = new ScriptedChatEngine(CleanStatements);
        await using var session = await StartAsync(engine);
        var (uri, range) = await session.OpenAsync("Calculator.cs", Calculator);

        var resolved = await session.ResolveAsync(JsonDocument.Parse(action.Replace("URI", uri, StringComparison.Ordinal)).RootElement);
        var stillListing = await session.ActionsAsync(uri, range);

        Assert.Equal(LspErrorCodes.InvalidParams, resolved.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Contains("data", resolved.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, engine.Calls);
        Assert.NotEmpty(stillListing);
    }

    private const string Twice = """
        namespace App;

        public class Numbers
        {
            public int Twice(int value)
            {
                return $$valu * 2;
            }
        }
        """;

    private const string LeavesTheError = "```csharp\npublic int Twice(int value)\n{\n    return valu * 3;\n}\n```";
}
