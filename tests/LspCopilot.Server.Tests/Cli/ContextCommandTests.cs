using System.Text.Json;
using LspCopilot.Completion;
using LspCopilot.Context;
using LspCopilot.Server.Cli;
using LspCopilot.TestSupport;

namespace LspCopilot.Server.Tests.Cli;

public sealed class ContextCommandTests
{
    private static (TempWorkspace Workspace, FileInfo File, int Line, int Column) AtReceiver()
    {
        var workspace = TempWorkspace.FromFixture("Inventory");
        const string Line = "        var left = _warehouse.";
        var path = workspace.PathOf("Services/RestockService.cs");
        var lines = File.ReadAllLines(path).ToList();
        var at = lines.FindIndex(l => l.Contains("return total;", StringComparison.Ordinal));
        lines.Insert(at, Line);
        File.WriteAllLines(path, lines);
        return (workspace, new FileInfo(path), at + 1, Line.Length + 1);
    }

    [Fact]
    public async Task RunAsync_Json_PromptAndSectionsWithTokenCosts()
    {
        var (workspace, file, line, column) = AtReceiver();
        using var _ = workspace;
        var stdout = new StringWriter();

        var code = await ContextCommand.RunAsync(file, line, column, null, new AnalysisOptions(), json: true, ServerLog.Silent, stdout, TextWriter.Null, TestContext.Current.CancellationToken);

        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(stdout.ToString());
        var sections = json.RootElement.GetProperty("sections").EnumerateArray().ToList();
        // The file is small: the prompt's windows show all of it, so no outline and the references are in the types' cards.
        Assert.Equal(["types", "receiver", "scope", "prefix", "suffix"], sections.Select(s => s.GetProperty("name").GetString()));
        Assert.All(sections, s => Assert.True(s.GetProperty("tokens").GetInt32() > 0));
        var receiver = sections.Single(s => s.GetProperty("name").GetString() == "receiver").GetProperty("text").GetString();
        Assert.Contains("int QuantityOf(string productId)", receiver, StringComparison.Ordinal);
        Assert.Contains(receiver!, json.RootElement.GetProperty("prompt").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_Plain_PrintsPromptThenTableAndSaysTokensAreEstimated()
    {
        var (workspace, file, line, column) = AtReceiver();
        using var _ = workspace;
        var stdout = new StringWriter();

        await ContextCommand.RunAsync(file, line, column, null, new AnalysisOptions(), json: false, ServerLog.Silent, stdout, TextWriter.Null, TestContext.Current.CancellationToken);

        var output = stdout.ToString();
        Assert.StartsWith("<|fim_prefix|>// Types in use here:", output, StringComparison.Ordinal);
        Assert.Matches(@"receiver\s+\d+\s+// `_warehouse` is", output);
        Assert.Contains("estimated as characters/4", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_WithModel_CountsWithItsTokenizer()
    {
        var model = TestModels.Require(TestModels.Fim);
        var (workspace, file, line, column) = AtReceiver();
        using var _ = workspace;
        var stdout = new StringWriter();

        await ContextCommand.RunAsync(file, line, column, model, new AnalysisOptions(), json: true, ServerLog.Silent, stdout, TextWriter.Null, TestContext.Current.CancellationToken);

        using var json = JsonDocument.Parse(stdout.ToString());
        Assert.Equal(TestModels.Fim, json.RootElement.GetProperty("tokenizer").GetString());
        // SentencePiece writes a space before the first word of a tokenized text.
        Assert.StartsWith("<fim_prefix>", json.RootElement.GetProperty("prompt").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("// Types in use here:", json.RootElement.GetProperty("prompt").GetString()!["<fim_prefix>".Length..].TrimStart(), StringComparison.Ordinal);
        var prefix = json.RootElement.GetProperty("sections").EnumerateArray().Single(s => s.GetProperty("name").GetString() == "prefix");
        Assert.StartsWith("using Inventory.Models;", prefix.GetProperty("text").GetString()!.TrimStart(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_PositionOutsideTheFile_ErrorCode2()
    {
        var (workspace, file, _, _) = AtReceiver();
        using var _ = workspace;
        var stderr = new StringWriter();

        var code = await ContextCommand.RunAsync(file, 100000, 1, null, new AnalysisOptions(), json: false, ServerLog.Silent, TextWriter.Null, stderr, TestContext.Current.CancellationToken);

        Assert.Equal(2, code);
        Assert.Contains("is not in", stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void WorkspaceRootFor_FileInAProjectSubfolder_TheProjectFolder()
    {
        using var workspace = TempWorkspace.Create(("a/App.csproj", "<Project />"), ("a/b/c/File.cs", "class C { }"));

        Assert.Equal(workspace.PathOf("a"), ContextCommand.WorkspaceRootFor(new FileInfo(workspace.PathOf("a/b/c/File.cs"))));
    }
}
