using LspCopilot.Completion;
using LspCopilot.Context;
using LspCopilot.Engine.Models;
using LspCopilot.TestSupport;

namespace LspCopilot.Engine.Tests;

/// <summary>
/// Issue 15 §4: a model whose FIM family has repository-level tokens gets its context as other files before the FIM
/// block (each file separator one control token); any other model gets comment blocks after the prefix marker. Each
/// family's vocabulary is written with <see cref="GgufWriter"/> and loaded through llama.cpp.
/// </summary>
public sealed class RepoLevelContextTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public static TheoryData<string, string[], string, string> RepoFamilies => new()
    {
        { "Qwen2.5 Coder 1.5B", RepoLevelModels.Qwen, "qwen2.5-coder", "<|file_sep|>" },
        { "StarCoder2 3B", RepoLevelModels.StarCoder2, "starcoder", "<file_sep>" },
    };

    [Theory]
    [MemberData(nameof(RepoFamilies))]
    public void BuildPromptText_RepoLevelTokens_ContextIsOtherFilesBeforeTheFimBlock(string name, string[] markers, string template, string separator)
    {
        using var engine = Load(RepoLevelModels.Write(_folder, name, markers, "repo.gguf"));
        var style = ContextStyle.For(engine.Fim);
        var context = ContextRenderer.Render(style, "Stock.cs", ["public int Count { get; }"]) + ContextRenderer.CurrentFile(style, "Shop.cs");
        const string Prefix = "Once upon a time\n", Suffix = "The end.\n";

        List<int> prompt = [.. engine.BuildPromptText(new CompletionRequest(Prefix, Suffix, CompletionMode.SingleLine) { Context = context })];

        Assert.Equal(template, engine.Fim.Template);
        var sep = RepoLevelModels.FirstMarkerId + 4;
        Assert.Equal(new RepoLayout(separator, sep, markers[3], RepoLevelModels.FirstMarkerId + 3), engine.Fim.Repo);
        int[] expected =
        [
            sep, .. Text(engine, "Stock.cs\npublic int Count { get; }\n"),
            sep, .. Text(engine, "Shop.cs\n"),
            engine.Fim.PrefixToken!.Value, .. Text(engine, Prefix),
            engine.Fim.SuffixToken!.Value, .. Text(engine, Suffix),
            engine.Fim.MiddleToken!.Value,
        ];
        Assert.Equal(expected, prompt);
        Assert.Equal(prompt.IndexOf(engine.Fim.PrefixToken!.Value), engine.CountTokens(context));
    }

    [Fact]
    public void BuildPromptText_SeparatorTextInTheCode_StaysTextNotAControlToken()
    {
        using var engine = Load(RepoLevelModels.Write(_folder, "Qwen2.5 Coder 1.5B", RepoLevelModels.Qwen, "qwen.gguf"));
        var style = ContextStyle.For(engine.Fim);
        var context = ContextRenderer.Render(style, "Markers.cs", ["const string Sep = \"<|file_sep|>\";"]) + ContextRenderer.CurrentFile(style, "Shop.cs");

        List<int> prompt = [.. engine.BuildPromptText(new CompletionRequest("var s = \"<|file_sep|>\";\n", string.Empty, CompletionMode.SingleLine) { Context = context })];

        var sep = RepoLevelModels.FirstMarkerId + 4;
        Assert.Equal(2, prompt.Count(t => t == sep));
        Assert.Equal(sep, prompt[0]);
        Assert.DoesNotContain(sep, prompt.Skip(prompt.IndexOf(engine.Fim.PrefixToken!.Value)));
    }

    [Fact]
    public void BuildPromptText_CodeLlamaWithoutRepoTokens_CommentBlocksAfterThePrefixMarker()
    {
        using var engine = Load(RepoLevelModels.Write(_folder, "CodeLlama 7B", RepoLevelModels.CodeLlama, "codellama.gguf"));
        var style = ContextStyle.For(engine.Fim);
        var context = ContextRenderer.Render(style, "Stock.cs", ["public int Count { get; }"]);

        List<int> prompt = [.. engine.BuildPromptText(new CompletionRequest("Once upon a time\n", string.Empty, CompletionMode.SingleLine) { Context = context })];

        Assert.Equal("codellama", engine.Fim.Template);
        Assert.Null(engine.Fim.Repo);
        Assert.Equal(ContextStyle.Comments, style);
        Assert.Null(ContextRenderer.CurrentFile(style, "Shop.cs"));
        Assert.Equal("// Stock.cs\n// public int Count { get; }\n", context);
        Assert.Equal([engine.Fim.PrefixToken!.Value, .. Text(engine, context), .. Text(engine, "Once upon a time\n")], prompt.Take(prompt.IndexOf(engine.Fim.SuffixToken!.Value)));
    }

    public static TheoryData<string, string, string[], string?> Vocabularies => new()
    {
        { "qwen2", "Qwen2.5 Coder", ["<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>", "<|repo_name|>", "<|file_sep|>"], "<|file_sep|>" },
        { "qwen2", "Qwen2.5 Coder without repo tokens", ["<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>"], null },
        { "starcoder2", "StarCoder2 3B", ["<fim_prefix>", "<fim_suffix>", "<fim_middle>", "<file_sep>"], "<file_sep>" },
        { "starcoder", "StarCoder", ["<fim_prefix>", "<fim_suffix>", "<fim_middle>", "<reponame>"], null },
        { "llama", "CodeLlama 7B", ["▁<PRE>", "▁<SUF>", "▁<MID>", "<|file_sep|>"], null },
        { "gemma", "CodeGemma 2B", ["<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>", "<|file_separator|>"], null },
    };

    [Theory]
    [MemberData(nameof(Vocabularies))]
    public void Detect_FamilyAndVocabulary_DecideTheContextLayout(string architecture, string name, string[] tokens, string? separator)
    {
        var fim = ModelFacts.Read(Write(TestGguf.Model(architecture, tokens, name))).Fim;

        Assert.Equal(separator, fim.Repo?.FileSeparator);
        if (separator is null)
        {
            Assert.Equal("comment blocks", fim.ContextLayoutName);
        }
        else
        {
            Assert.StartsWith($"repo files ({separator}", fim.ContextLayoutName, StringComparison.Ordinal);
        }
    }

    private string Write(GgufWriter writer)
    {
        var path = _folder.File(Guid.NewGuid().ToString("N") + ".gguf");
        writer.WriteTo(path);
        return path;
    }

    private static int[] Text(LlamaEngine engine, string text) => [.. engine.Tokenize(text).Select(t => (int)t)];

    private static LlamaEngine Load(string path) => LlamaEngine.Load(new EngineOptions { ModelPath = path, Threads = 1, BatchThreads = 1, ContextSize = 512 }, ServerLog.Silent);

    public void Dispose() => _folder.Dispose();
}
