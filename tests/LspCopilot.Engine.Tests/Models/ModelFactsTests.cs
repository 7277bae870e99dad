using LspCopilot.Engine.Models;
using LspCopilot.TestSupport;

namespace LspCopilot.Engine.Tests.Models;

public sealed class ModelFactsTests
{
    [Fact]
    public void Read_SyntheticModel_ParametersAreTheSumOfTensorShapes()
    {
        var bytes = TestGguf.Model("llama", ["<x>"]).ToBytes();
        var gguf = GgufReader.Read(new MemoryStream(bytes));

        var facts = ModelFacts.From("m.gguf", gguf, bytes.Length);

        var vocab = TestGguf.FirstSpecialId + 1;
        const int e = TestGguf.Embedding;
        const int kv = TestGguf.Embedding / TestGguf.Heads * TestGguf.KvHeads;
        long perLayer = e + (e * e) + (2 * e * kv) + (e * e) + (4 * e * e);
        Assert.Equal((2L * e * vocab) + e + (TestGguf.Layers * perLayer), facts.Parameters);
        Assert.Equal(facts.Parameters * 4, facts.WeightBytes);
        Assert.Equal(perLayer * 4, facts.LayerWeightBytes[1]);
        Assert.Equal(vocab, facts.VocabSize);
        Assert.Equal("F32", facts.Quantization);
    }

    [Fact]
    public void Read_NoFileType_QuantizationFromTheDominantTensorType()
    {
        var bytes = TestGguf.Model("llama", [], fileType: null).AddTensor("blk.0.big.weight", GgmlTypes.Q8_0, [256, 256]).ToBytes();

        var facts = ModelFacts.From("m.gguf", GgufReader.Read(new MemoryStream(bytes)), bytes.Length);

        Assert.Equal("Q8_0", facts.Quantization);
    }

    [Fact]
    public void Read_SharedQuantizedModel_ReportsQ8AndItsEndToken()
    {
        var facts = ModelFacts.Read(TestModels.Require(TestModels.Quantized));

        Assert.Equal("llama", facts.Architecture);
        Assert.Equal("Q8_0", facts.Quantization);
        Assert.Equal(2048, facts.VocabSize);
        Assert.Equal(512, facts.ContextLength);
        Assert.Contains((int)facts.Gguf.GetInteger("tokenizer.ggml.eos_token_id")!, facts.EndOfGenerationTokens);
    }

    [Fact]
    public void Read_SharedModel_WeightsMatchTheTensorDataInTheFile()
    {
        var path = TestModels.Require(TestModels.Stories);

        var facts = ModelFacts.Read(path);

        // Every tensor is F32 and tightly packed apart from alignment padding.
        Assert.InRange(new FileInfo(path).Length - facts.Gguf.DataOffset - facts.WeightBytes, 0, 32 * facts.Gguf.Tensors.Count);
        Assert.Equal(facts.WeightBytes, facts.LayerWeightBytes.Sum() + facts.TokenEmbeddingBytes + facts.OutputBytes);
    }

    [Fact]
    public void EndOfGeneration_QwenMarkers_IncludeFileSeparatorButNotPlainWords()
    {
        var bytes = TestGguf.Model("qwen2", ["<|endoftext|>", "<|file_sep|>", "<|fim_prefix|>"]).ToBytes();

        var facts = ModelFacts.From("m.gguf", GgufReader.Read(new MemoryStream(bytes)), bytes.Length);

        Assert.Equal([2, TestGguf.FirstSpecialId, TestGguf.FirstSpecialId + 1], facts.EndOfGenerationTokens);
    }

    [Fact]
    public void KvBytes_GroupedQueryAttention_CountsKvHeadsOnly()
    {
        var bytes = TestGguf.Model("llama", []).ToBytes();
        var facts = ModelFacts.From("m.gguf", GgufReader.Read(new MemoryStream(bytes)), bytes.Length);

        var f16 = MemoryEstimate.For(facts, 1024, "f16");
        var q8 = MemoryEstimate.For(facts, 1024, "q8_0");

        const int headDim = TestGguf.Embedding / TestGguf.Heads;
        Assert.Equal(2L * TestGguf.Layers * 1024 * TestGguf.KvHeads * headDim * 2, f16.KvCacheBytes);
        Assert.Equal((long)Math.Ceiling(f16.KvCacheBytes / 2.0 * 34 / 32), q8.KvCacheBytes);
        Assert.Equal(facts.WeightBytes + f16.KvCacheBytes, f16.TotalBytes);
    }

    [Fact]
    public void KvBytes_PerLayerKvHeads_SkipsLayersWithoutAttention()
    {
        var bytes = TestGguf.Model("jamba", [])
            .SetArray("jamba.attention.head_count_kv", GgufValueType.UInt32, [0u, (uint)TestGguf.KvHeads])
            .ToBytes();
        var facts = ModelFacts.From("m.gguf", GgufReader.Read(new MemoryStream(bytes)), bytes.Length);

        Assert.Equal(0, facts.KvElementsPerLayer[0]);
        Assert.Equal(2L * TestGguf.KvHeads * (TestGguf.Embedding / TestGguf.Heads), facts.KvElementsPerLayer[1]);
    }

    [Fact]
    public void InterestingContextSizes_SmallTrainingContext_IncludesItAndTheRequest()
    {
        var facts = ModelFacts.Read(TestModels.Require(TestModels.Quantized));

        Assert.Equal([512u, 1000u], MemoryEstimate.InterestingContextSizes(facts, 1000));
    }
}
