using System.Text.Json;
using LspCopilot.Completion.CodeActions;
using LspCopilot.Server.Protocol;

namespace LspCopilot.Server.Tests.CodeActions;

/// <summary>textDocument/codeAction: the list comes at once, without asking the model; the edit waits for codeAction/resolve.</summary>
public sealed class CodeActionListTests
{
    private const string Calculator = """
        namespace App;

        public class Calculator
        {
            public int Add(int a, int b)
            {
                $$return a + b;
            }

            public int Broken()
            {
                return missing;
            }
        }
        """;

    [Fact]
    public async Task CodeAction_InACSharpMember_ListsExplainAndTheRefactorsWithData_NoModelCall()
    {
        var engine = new ScriptedChatEngine("unused");
        await using var session = await CodeActionSession.StartAsync(engine);
        var (uri, range) = await session.OpenAsync("Calculator.cs", Calculator, version: 4);

        var actions = await session.ActionsAsync(uri, range);

        Assert.Equal(
            ["Explain this code", "Refactor: simplify", "Refactor: add null checks / guard clauses", "Refactor: convert to LINQ / loop", "Refactor with instructions…"],
            actions.Select(a => a.GetProperty("title").GetString()));
        Assert.All(actions, a =>
        {
            Assert.Equal(CodeActionCatalog.RewriteKind, a.GetProperty("kind").GetString());
            Assert.False(a.TryGetProperty("edit", out _));
            var data = a.GetProperty("data");
            Assert.Equal(uri, data.GetProperty("uri").GetString());
            Assert.Equal(4, data.GetProperty("version").GetInt32());
            Assert.Equal(6, data.GetProperty("range").GetProperty("start").GetProperty("line").GetInt32());
        });
        Assert.Equal(
            [CodeActionCatalog.Explain, CodeActionCatalog.Simplify, CodeActionCatalog.GuardClauses, CodeActionCatalog.LinqOrLoop, CodeActionCatalog.Instructions],
            actions.Select(a => a.GetProperty("data").GetProperty("actionId").GetString()));
        Assert.Equal(LspCommands.Explain, actions[0].GetProperty("command").GetProperty("command").GetString());
        Assert.Equal(0, engine.Calls);
    }

    [Fact]
    public async Task CodeAction_OnACompilerError_AQuickFixPerDiagnosticWithItsData()
    {
        var engine = new ScriptedChatEngine("unused");
        await using var session = await CodeActionSession.StartAsync(engine);
        var (uri, range) = await session.OpenAsync("Calculator.cs", Calculator.Replace("$$", string.Empty, StringComparison.Ordinal).Replace("return missing;", "return $$missing + other;", StringComparison.Ordinal));

        var actions = await session.ActionsAsync(uri, range);

        var fixes = actions.Where(a => a.GetProperty("kind").GetString() == CodeActionCatalog.QuickFixKind).ToList();
        var fix = Assert.Single(fixes);
        Assert.Equal("Fix this error (LspCopilot): CS0103", fix.GetProperty("title").GetString());
        var diagnostic = fix.GetProperty("data").GetProperty("diagnostic");
        Assert.Equal("CS0103", diagnostic.GetProperty("code").GetString());
        Assert.Contains("'missing'", diagnostic.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(CodeActionCatalog.FixError, fix.GetProperty("data").GetProperty("actionId").GetString());
        Assert.Equal("CS0103", fix.GetProperty("diagnostics")[0].GetProperty("code").GetString());
        Assert.Equal(0, engine.Calls);
    }

    [Fact]
    public async Task CodeAction_SelectionOverTwoErrors_OneQuickFixEach()
    {
        await using var session = await CodeActionSession.StartAsync(new ScriptedChatEngine("unused"));
        var (uri, range) = await session.OpenAsync("Calculator.cs", Calculator.Replace("$$", string.Empty, StringComparison.Ordinal).Replace("return missing;", "[|return missing + other;|]", StringComparison.Ordinal));

        var actions = await session.ActionsAsync(uri, range);

        Assert.Equal(2, actions.Count(a => a.GetProperty("kind").GetString() == CodeActionCatalog.QuickFixKind));
    }

    [Fact]
    public async Task CodeAction_TheEditorsOwnDiagnostic_IsEchoedOnTheQuickFix()
    {
        await using var session = await CodeActionSession.StartAsync(new ScriptedChatEngine("unused"));
        var text = Calculator.Replace("$$", string.Empty, StringComparison.Ordinal).Replace("return missing;", "return $$missing;", StringComparison.Ordinal);
        var (uri, range) = await session.OpenAsync("Calculator.cs", text);
        var editors = new { range, message = "The name 'missing' does not exist in the current context", code = "CS0103", source = "csharp", severity = 1 };

        var response = await session.ListAsync(uri, range, diagnostics: [editors]);

        var fix = response.GetProperty("result").EnumerateArray().Single(a => a.GetProperty("kind").GetString() == CodeActionCatalog.QuickFixKind);
        Assert.Equal("csharp", fix.GetProperty("diagnostics")[0].GetProperty("source").GetString());
    }

    [Theory]
    [InlineData("quickfix", 1)]
    [InlineData("refactor", 5)]
    [InlineData("refactor.rewrite.lspcopilot", 5)]
    [InlineData("source.organizeImports", 0)]
    public async Task CodeAction_OnlyAKind_ListsOnlyThatKind(string only, int expected)
    {
        await using var session = await CodeActionSession.StartAsync(new ScriptedChatEngine("unused"));
        var (uri, range) = await session.OpenAsync("Calculator.cs", Calculator.Replace("$$", string.Empty, StringComparison.Ordinal).Replace("return missing;", "return $$missing;", StringComparison.Ordinal));

        var actions = await session.ActionsAsync(uri, range, only: [only]);

        Assert.Equal(expected, actions.Count);
    }

    [Fact]
    public async Task CodeAction_InAnotherLanguage_EditTitlesSayNotCompileChecked_NoQuickFix()
    {
        await using var session = await CodeActionSession.StartAsync(new ScriptedChatEngine("unused"));
        var (uri, range) = await session.OpenAsync("run.py", "def run():\n    [|return missing|]\n", languageId: "python");

        var actions = await session.ActionsAsync(uri, range);

        Assert.Equal("Explain this code", actions[0].GetProperty("title").GetString());
        Assert.All(actions.Skip(1), a => Assert.EndsWith("(not compile-checked)", a.GetProperty("title").GetString(), StringComparison.Ordinal));
        Assert.DoesNotContain(actions, a => a.GetProperty("kind").GetString() == CodeActionCatalog.QuickFixKind);
    }

    [Fact]
    public async Task CodeAction_UnopenedDocument_InvalidParamsNamingIt()
    {
        await using var session = await CodeActionSession.StartAsync(new ScriptedChatEngine("unused"));

        var response = await session.ListAsync("file:///nowhere/Closed.cs", new { start = new { line = 0, character = 0 }, end = new { line = 0, character = 0 } });

        var error = response.GetProperty("error");
        Assert.Equal(LspErrorCodes.InvalidParams, error.GetProperty("code").GetInt32());
        Assert.Contains("not open", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CodeAction_RangePastTheEnd_InvalidParams_ServerStaysUp()
    {
        await using var session = await CodeActionSession.StartAsync(new ScriptedChatEngine("unused"));
        var (uri, range) = await session.OpenAsync("Calculator.cs", Calculator);

        var response = await session.ListAsync(uri, new { start = new { line = 2, character = 0 }, end = new { line = 500, character = 0 } });
        var again = await session.ListAsync(uri, range);

        Assert.Equal(LspErrorCodes.InvalidParams, response.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Contains("Line 500", response.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Array, again.GetProperty("result").ValueKind);
    }

    [Fact]
    public async Task Initialize_AdvertisesCodeActionKindsResolveAndTheExplainCommand()
    {
        await using var server = TestSupport.InMemoryServer.StartRaw(modelPath: null);

        var response = await server.Raw.RequestAsync(LspMethods.Initialize, new { capabilities = new { } });

        var capabilities = response.GetProperty("result").GetProperty("capabilities");
        var codeActions = capabilities.GetProperty("codeActionProvider");
        Assert.True(codeActions.GetProperty("resolveProvider").GetBoolean());
        Assert.Equal(["quickfix", "refactor.rewrite.lspcopilot"], codeActions.GetProperty("codeActionKinds").EnumerateArray().Select(k => k.GetString()));
        Assert.Equal(["lspcopilot.server.explain"], capabilities.GetProperty("executeCommandProvider").GetProperty("commands").EnumerateArray().Select(k => k.GetString()));
    }
}
