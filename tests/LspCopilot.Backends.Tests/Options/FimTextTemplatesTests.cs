using LspCopilot.Completion;

namespace LspCopilot.Backends.Tests.Options;

public sealed class FimTextTemplatesTests
{
    [Theory]
    [InlineData("Qwen/Qwen2.5-Coder-7B", "qwen")]
    [InlineData("qwen2.5-coder:1.5b-base", "qwen")]
    [InlineData("codellama-13b.Q4_K_M.gguf", "codellama")]
    [InlineData("deepseek-ai/deepseek-coder-6.7b-base", "deepseek")]
    [InlineData("bigcode/starcoder2-3b", "starcoder")]
    [InlineData("ibm-granite/granite-8b-code-base", "starcoder")]
    [InlineData("mistralai/Codestral-22B-v0.1", "codestral")]
    [InlineData("google/codegemma-2b", "codegemma")]
    public void Detect_ModelName_Family(string model, string template) =>
        Assert.Equal(template, FimTextTemplates.Detect(model)?.Name);

    [Theory]
    [InlineData("gpt-4o")]
    [InlineData("llama3.1:8b")]
    [InlineData("Qwen/Qwen2.5-7B-Instruct")]
    public void Detect_NameWithoutAFimFamily_Null(string model) => Assert.Null(FimTextTemplates.Detect(model));

    [Fact]
    public void Render_EachOrder_MarkersWhereTheFamilyPutsThem()
    {
        Assert.Equal("<fim_prefix>ctx\npre<fim_suffix>suf<fim_middle>", FimTextTemplates.StarCoder.Render("ctx\n", "pre", "suf"));
        Assert.Equal("<PRE> ctx\npre <SUF>suf <MID>", FimTextTemplates.CodeLlama.Render("ctx\n", "pre", "suf"));
        Assert.Equal("[SUFFIX]suf[PREFIX]ctx\npre", FimTextTemplates.Codestral.Render("ctx\n", "pre", "suf"));
        Assert.Equal("ctx\npre", FimTextTemplates.None.Render("ctx\n", "pre", "suf"));
    }

    [Theory]
    [InlineData("qwen2.5-coder", "qwen")]
    [InlineData("STARCODER2", "starcoder")]
    [InlineData("prefix-only", "none")]
    public void Find_OtherSpellings_SameTemplate(string name, string template) =>
        Assert.Equal(template, FimTextTemplates.Find(name)?.Name);
}
