using LspCopilot.Completion;
using LspCopilot.Engine;
using LspCopilot.TestSupport;
using Microsoft.CodeAnalysis.Text;

namespace LspCopilot.Server.Tests.EndToEnd;

/// <summary>
/// Non-C# documents over JSON-RPC with the real tiny model: the text rules of their language shape the suggestion.
/// The model writes stories, not code, so each test first asks the same engine for the text without the rules (its
/// lines fall back to column 0) and then checks that the server's suggestion is that text cut where the rule says.
/// </summary>
public sealed class EveryLanguageTests
{
    private const string PythonUri = "file:///work/story.py";

    // A story indented in a block: the model goes on with the story, and its later lines come at column 0.
    private const string PythonSource = "def tell():\n    # Once upon a time, there was a little girl named Lily.\n    # She loved to play outside in the park with her friends.\n    ";

    private static readonly GenerationOptions s_generation = new() { MaxTokens = 96 };

    /// <summary>What the engine writes at the cursor with no stop rule but the token limit.</summary>
    private static async Task<string> UnruledAsync(string model, string uri, string languageId, string text)
    {
        using var engine = LlamaEngine.Load(new EngineOptions { ModelPath = model }, ServerLog.Silent);
        var document = new DocumentSnapshot(uri, languageId, 1, SourceText.From(text));
        var pipeline = new CompletionPipeline(engine, new FixedPlan(new CompletionPlan(CompletionMode.MultiLine)), s_generation, ServerLog.Silent);
        var suggestion = await pipeline.CompleteAsync(document, text.Length, null, TestContext.Current.CancellationToken);
        return suggestion!.Raw.Text;
    }

    [Fact]
    public async Task InlineCompletion_PythonBlankLineInABlock_StopsBeforeTheFirstLineBelowTheBlock()
    {
        var model = TestModels.Require(TestModels.Stories);
        var unruled = await UnruledAsync(model, PythonUri, "python", PythonSource);
        var lines = unruled.Split('\n');
        var below = Array.FindIndex(lines, 1, l => l.Trim().Length > 0 && !l.StartsWith("    ", StringComparison.Ordinal) && !l.StartsWith('\t'));
        Assert.True(below > 0, $"The model's text has no line below the block, so the rule is not exercised: {unruled}");

        await using var server = InMemoryServer.Start(model, generation: s_generation);
        await server.Client.InitializeAsync();
        await server.Client.OpenAsync(PythonUri, PythonSource, languageId: "python");
        var result = await server.Client.InlineAsync(PythonUri, 3, 4);

        var text = result.GetProperty("items")[0].GetProperty("insertText").GetString()!;
        Assert.Equal(SuggestionPostProcessor.Clean(string.Join('\n', lines[..below]), string.Empty, CompletionMode.MultiLine), text);
    }

    [Fact]
    public async Task InlineCompletion_LanguageWithoutStopRules_OneLine()
    {
        const string Uri = "file:///work/story.txt";
        const string Source = "Once upon a time, there was a little girl named Lily. She loved to play outside.\n";
        var model = TestModels.Require(TestModels.Stories);
        var unruled = await UnruledAsync(model, Uri, "plaintext", Source);
        Assert.True(unruled.Trim().Contains('\n', StringComparison.Ordinal), $"The model's text is one line anyway, so the rule is not exercised: {unruled}");

        await using var server = InMemoryServer.Start(model, generation: s_generation);
        await server.Client.InitializeAsync();
        await server.Client.OpenAsync(Uri, Source, languageId: "plaintext");
        var result = await server.Client.InlineAsync(Uri, 1, 0);

        var items = result.GetProperty("items");
        var text = items.GetArrayLength() == 0 ? string.Empty : items[0].GetProperty("insertText").GetString()!;
        Assert.DoesNotContain('\n', text);
        Assert.Equal(unruled.Split('\n')[0].TrimEnd(), text);
    }

    private sealed class FixedPlan(CompletionPlan plan) : ICompletionContextProvider
    {
        public ValueTask<CompletionPlan?> PlanAsync(DocumentSnapshot document, int offset, CancellationToken cancellationToken) => ValueTask.FromResult<CompletionPlan?>(plan);
    }
}
