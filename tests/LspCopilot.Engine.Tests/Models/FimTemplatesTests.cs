using LspCopilot.Completion;
using LspCopilot.Engine.Models;
using LspCopilot.TestSupport;

namespace LspCopilot.Engine.Tests.Models;

public sealed class FimTemplatesTests
{
    private const int First = TestGguf.FirstSpecialId;

    public static TheoryData<string, string, string[], string> Families => new()
    {
        { "qwen2", "Qwen2.5 Coder 1.5B", ["<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>", "<|repo_name|>", "<|file_sep|>"], "qwen2.5-coder" },
        { "llama", "DeepSeek Coder 6.7B Base", ["<｜fim▁begin｜>", "<｜fim▁hole｜>", "<｜fim▁end｜>"], "deepseek-coder" },
        { "deepseek2", "DeepSeek Coder V2 Lite Base", ["<｜fim▁begin｜>", "<｜fim▁hole｜>", "<｜fim▁end｜>"], "deepseek-coder" },
        { "starcoder", "StarCoder", ["<fim_prefix>", "<fim_suffix>", "<fim_middle>", "<fim_pad>"], "starcoder" },
        { "starcoder2", "StarCoder2 3B", ["<fim_prefix>", "<fim_suffix>", "<fim_middle>"], "starcoder2" },
        { "llama", "Granite 8b Code Base", ["<fim_prefix>", "<fim_suffix>", "<fim_middle>"], "granite-code" },
        { "llama", "CodeLlama 7B", ["▁<PRE>", "▁<SUF>", "▁<MID>", "▁<EOT>"], "codellama" },
        { "gemma", "CodeGemma 2B", ["<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>", "<|file_separator|>"], "codegemma" },
        { "glm4", "GLM 4.5", ["<|code_prefix|>", "<|code_suffix|>", "<|code_middle|>"], "glm4" },
    };

    [Theory]
    [MemberData(nameof(Families))]
    public void Detect_FamilyTokenTexts_SelectPrefixSuffixMiddleTemplate(string architecture, string name, string[] tokens, string expected)
    {
        var fim = Facts(TestGguf.Model(architecture, tokens, name)).Fim;

        Assert.Equal(expected, fim.Template);
        Assert.Equal(FimOrder.PrefixSuffixMiddle, fim.Order);
        Assert.Equal((First, First + 1, First + 2), (fim.PrefixToken, fim.SuffixToken, fim.MiddleToken));
    }

    [Fact]
    public void Detect_CodestralTokens_SuffixFirstWithoutMiddle()
    {
        var fim = Facts(TestGguf.Model("llama", ["[INST]", "[SUFFIX]", "[PREFIX]", "[MIDDLE]"], "Codestral 22B")).Fim;

        Assert.Equal("codestral", fim.Template);
        Assert.Equal(FimOrder.SuffixPrefixMiddle, fim.Order);
        Assert.Equal(First + 2, fim.PrefixToken);
        Assert.Equal(First + 1, fim.SuffixToken);
        Assert.Null(fim.MiddleToken);
    }

    [Fact]
    public void Detect_UnknownSpellingWithGgufFimIds_FallsBackToTheIds()
    {
        var model = TestGguf.Model("llama", ["<my_pre>", "<my_suf>", "<my_mid>"])
            .Set("tokenizer.ggml.fim_pre_token_id", (uint)First)
            .Set("tokenizer.ggml.fim_suf_token_id", (uint)First + 1)
            .Set("tokenizer.ggml.fim_mid_token_id", (uint)First + 2);

        var fim = Facts(model).Fim;

        Assert.Equal(new FimLayout("gguf-fim", FimOrder.PrefixSuffixMiddle, First, First + 1, First + 2), fim);
    }

    [Fact]
    public void Detect_NoFimTokens_PrefixOnly()
    {
        Assert.Same(FimLayout.PrefixOnly, Facts(TestGguf.Model("llama", ["<|im_start|>", "<|im_end|>"])).Fim);
    }

    [Fact]
    public void Detect_IncompleteFamily_NotSelected()
    {
        // A prefix marker without its suffix marker is not a usable template.
        Assert.Same(FimLayout.PrefixOnly, Facts(TestGguf.Model("qwen2", ["<|fim_prefix|>", "<|fim_middle|>"])).Fim);
    }

    [Fact]
    public void Detect_TwoSpellingsPresent_GgufIdsChooseBetweenThem()
    {
        var model = TestGguf.Model("llama", ["<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>", "<fim_prefix>", "<fim_suffix>", "<fim_middle>"])
            .Set("tokenizer.ggml.fim_pre_token_id", (uint)First + 3);

        Assert.Equal("starcoder", Facts(model).Fim.Template);
    }

    [Fact]
    public void Detect_SharedFimModel_StarCoderSpellingWithItsIds()
    {
        var fim = ModelFacts.Read(TestModels.Require(TestModels.Fim)).Fim;

        Assert.Equal(new FimLayout("starcoder", FimOrder.PrefixSuffixMiddle, 3, 4, 5), fim);
    }

    [Fact]
    public void Detect_SharedModelWithoutFim_PrefixOnly()
    {
        Assert.Same(FimLayout.PrefixOnly, ModelFacts.Read(TestModels.Require(TestModels.Stories)).Fim);
    }

    private static ModelFacts Facts(GgufWriter writer)
    {
        var bytes = writer.ToBytes();
        return ModelFacts.From("test.gguf", GgufReader.Read(new MemoryStream(bytes)), bytes.Length);
    }
}
