using LspCopilot.Engine.Models;
using LspCopilot.TestSupport;

namespace LspCopilot.Engine.Tests.Speculation;

public sealed class LayerDropperTests
{
    [Fact]
    public void Derive_TwoOfFiveBlocks_SameTokensFewerBlocks()
    {
        using var folder = new TempFolder();
        var source = TestModels.Require(TestModels.Stories);
        var derived = folder.File("two-blocks.gguf");

        LayerDropper.Derive(source, derived, keepBlocks: 2);

        var before = GgufReader.Read(source, GgufReadOptions.Everything);
        var after = GgufReader.Read(derived, GgufReadOptions.Everything);
        Assert.Equal(2, after.GetInteger("llama.block_count"));
        Assert.DoesNotContain(after.Tensors, t => t.Layer >= 2);
        Assert.Equal(before.Tensors.Count(t => t.Layer is null or < 2), after.Tensors.Count);
        Assert.Equal(before.GetArray("tokenizer.ggml.tokens")!.Items, after.GetArray("tokenizer.ggml.tokens")!.Items);
        Assert.True(after.IsComplete);
        Assert.Null(DraftModelCheck.VocabularyDifference(source, derived));
    }

    [Fact]
    public void Derive_MoreBlocksThanTheModelHas_Refused()
    {
        using var folder = new TempFolder();

        Assert.Throws<ArgumentOutOfRangeException>(() => LayerDropper.Derive(TestModels.Require(TestModels.Stories), folder.File("x.gguf"), keepBlocks: 6));
    }

    [Fact]
    public void VocabularyDifference_AnotherFamily_SaysWhatDiffers()
    {
        var difference = DraftModelCheck.VocabularyDifference(TestModels.Require(TestModels.Stories), TestModels.Require(TestModels.Quantized));

        Assert.Contains("2048", difference, StringComparison.Ordinal);
    }
}
