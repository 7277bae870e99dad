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

    /// <summary>The receiver position in a RestockService grown by 80 methods above the cursor, so windows and sections compete for every budget.</summary>
    private static (TempWorkspace Workspace, FileInfo File, int Line, int Column) AtReceiverInALongFile()
    {
        var (workspace, file, _, _) = AtReceiver();
        var lines = File.ReadAllLines(file.FullName).ToList();
        var at = lines.FindIndex(l => l.Contains("public decimal RestockCost", StringComparison.Ordinal));
        lines.InsertRange(at, Enumerable.Range(0, 80).SelectMany(i => new[]
        {
            $"    /// <summary>Helper number {i}.</summary>",
            $"    public int Helper{i}(int value) => value * {i} + _minimum;",
            string.Empty,
        }));
        File.WriteAllLines(file.FullName, lines);
        var line = lines.FindIndex(l => l.EndsWith("_warehouse.", StringComparison.Ordinal));
        return (workspace, file, line + 1, lines[line].Length + 1);
    }

    private static async Task<JsonDocument> JsonAtAsync(FileInfo file, int line, int column, string? model, int budget, int? contextSize)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var options = new AnalysisOptions { Budget = new ContextBudget().ScaledTo(budget) };
        var code = await ContextCommand.RunAsync(file, line, column, model, options, json: true, contextSize, ServerLog.Silent, stdout, stderr, TestContext.Current.CancellationToken);
        Assert.True(code == 0, stderr.ToString());
        return JsonDocument.Parse(stdout.ToString());
    }

    /// <summary>
    /// The report agrees with the prompt: the layout's markers and the reported sections, joined, are the prompt; the
    /// total fits the window; context sections hold whole lines within their budget; the prefix window starts on a
    /// line of the file and the suffix window ends on one.
    /// </summary>
    private static void AssertReportIsThePrompt(JsonElement root, string fileText, int offset, bool sentencePiece, string what)
    {
        var prompt = root.GetProperty("prompt").GetString()!;
        var sections = root.GetProperty("sections").EnumerateArray().ToDictionary(s => s.GetProperty("name").GetString()!, s => (Text: s.GetProperty("text").GetString()!, Tokens: s.GetProperty("tokens").GetInt32()));
        var joined = string.Concat(root.GetProperty("layout").EnumerateArray().Select(piece =>
            piece.TryGetProperty("marker", out var marker) ? marker.GetString() : sections[piece.GetProperty("section").GetString()!].Text));
        Assert.True(prompt == joined, $"{what}: the layout does not reproduce the prompt");

        var markers = root.GetProperty("layout").EnumerateArray().Count(p => p.TryGetProperty("marker", out _));
        Assert.Equal(root.GetProperty("total_tokens").GetInt32(), sections.Values.Sum(s => s.Tokens) + markers);
        Assert.True(root.GetProperty("total_tokens").GetInt32() - markers <= root.GetProperty("window").GetInt32(), $"{what}: over the window");
        Assert.Empty(root.GetProperty("dropped").EnumerateArray());

        var context = sections.Where(s => s.Key is not ("prefix" or "suffix")).ToList();
        Assert.True(context.Sum(s => s.Value.Tokens) <= root.GetProperty("context_budget").GetInt32(), $"{what}: context over its budget");
        Assert.All(context, s => Assert.True(s.Value.Text.EndsWith('\n') && s.Value.Text.TrimStart().StartsWith("// ", StringComparison.Ordinal), $"{what}: {s.Key} is not whole lines"));

        // SentencePiece writes a space before the first word of each tokenized text.
        string Own(string text) => sentencePiece && text.StartsWith(' ') ? text[1..] : text;
        var prefix = Own(sections["prefix"].Text);
        Assert.True(fileText[..offset].EndsWith(prefix, StringComparison.Ordinal), $"{what}: the prefix window is not the text before the cursor");
        Assert.True(offset == prefix.Length || fileText[offset - prefix.Length - 1] == '\n', $"{what}: the prefix window starts inside a line: {prefix[..Math.Min(40, prefix.Length)]}");
        var suffix = Own(sections["suffix"].Text);
        Assert.StartsWith(suffix, fileText[offset..], StringComparison.Ordinal);
        Assert.True(suffix.Length == 0 || suffix.EndsWith('\n') || offset + suffix.Length == fileText.Length, $"{what}: the suffix window ends inside a line");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RunAsync_ManyBudgetsAndContextSizes_TheReportedSectionsAreThePrompt(bool withModel)
    {
        var model = withModel ? TestModels.Require(TestModels.Fim) : null;
        var (workspace, file, line, column) = AtReceiverInALongFile();
        using var _ = workspace;
        var text = File.ReadAllText(file.FullName);
        var offset = text.Split('\n').Take(line - 1).Sum(l => l.Length + 1) + column - 1;

        foreach (var budget in new[] { 0, 100, 400, 3000 })
        {
            foreach (var contextSize in new[] { 64, 200, 700, 2048, 8192 })
            {
                using var json = await JsonAtAsync(file, line, column, model, budget, contextSize);
                AssertReportIsThePrompt(json.RootElement, text, offset, withModel, $"budget {budget}, context {contextSize}");
                Assert.Equal(contextSize, json.RootElement.GetProperty("context_size").GetInt32());
            }
        }
    }

    [Fact]
    public async Task RunAsync_Json_ReportsTheContextsTimeAndTheWindowBesideTheSections()
    {
        var (workspace, file, line, column) = AtReceiver();
        using var _ = workspace;

        using var json = await JsonAtAsync(file, line, column, null, 1024, null);

        Assert.True(json.RootElement.GetProperty("context_ms").GetDouble() > 0);
        Assert.Equal((int)EngineOptions.DefaultMaxContext, json.RootElement.GetProperty("context_size").GetInt32());
        Assert.Equal("chars/4 estimate", json.RootElement.GetProperty("tokenizer").GetString());
        Assert.NotEmpty(json.RootElement.GetProperty("sections").EnumerateArray());
    }

    [Fact]
    public async Task RunAsync_SmallContextSize_SectionsShrinkToItsBudgetAndTheTableSaysSo()
    {
        var (workspace, file, line, column) = AtReceiverInALongFile();
        using var _ = workspace;

        using var wide = await JsonAtAsync(file, line, column, null, 1024, 8192);
        using var narrow = await JsonAtAsync(file, line, column, null, 1024, 300);

        int ContextTokens(JsonDocument json) => json.RootElement.GetProperty("sections").EnumerateArray()
            .Where(s => s.GetProperty("name").GetString() is not ("prefix" or "suffix")).Sum(s => s.GetProperty("tokens").GetInt32());
        Assert.True(ContextTokens(narrow) < ContextTokens(wide));
        Assert.True(ContextTokens(narrow) <= narrow.RootElement.GetProperty("context_budget").GetInt32());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(63)]
    [InlineData(-5)]
    [InlineData(2_000_000)]
    public async Task RunAsync_ContextSizeOutOfRange_ErrorCode2NamingTheOption(int contextSize)
    {
        var (workspace, file, line, column) = AtReceiver();
        using var _ = workspace;
        var stderr = new StringWriter();

        var code = await ContextCommand.RunAsync(file, line, column, null, new AnalysisOptions(), json: true, contextSize, ServerLog.Silent, TextWriter.Null, stderr, TestContext.Current.CancellationToken);

        Assert.Equal(2, code);
        Assert.Contains("--context-size must be between 64 and", stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void WorkspaceRootFor_FileInAProjectSubfolder_TheProjectFolder()
    {
        using var workspace = TempWorkspace.Create(("a/App.csproj", "<Project />"), ("a/b/c/File.cs", "class C { }"));

        Assert.Equal(workspace.PathOf("a"), ContextCommand.WorkspaceRootFor(new FileInfo(workspace.PathOf("a/b/c/File.cs"))));
    }
}
