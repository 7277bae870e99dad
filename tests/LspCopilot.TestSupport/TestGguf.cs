using LspCopilot.Engine.Models;
using LspCopilot.Server.Protocol;

namespace LspCopilot.TestSupport;

/// <summary>Small synthetic GGUF models shaped like real ones (metadata, vocabulary, F32 tensors).</summary>
public static class TestGguf
{
    public const int Layers = 2;
    public const int Embedding = 32;
    public const int Heads = 4;
    public const int KvHeads = 2;
    public const int ContextLength = 4096;

    /// <summary>Filler tokens first (ids 0..), then <paramref name="specialTokens"/> typed as control tokens.</summary>
    public static GgufWriter Model(string architecture, IReadOnlyList<string> specialTokens, string name = "test model", uint? fileType = 0)
    {
        var tokens = new List<string> { "<unk>", "<s>", "</s>" };
        tokens.AddRange(Enumerable.Range(0, 26).Select(i => ((char)('a' + i)).ToString()));
        var types = tokens.Select((_, i) => i is 1 or 2 ? 3 : 1).ToList();
        tokens.AddRange(specialTokens);
        types.AddRange(specialTokens.Select(_ => 3));

        var w = new GgufWriter()
            .Set("general.architecture", architecture)
            .Set("general.name", name)
            .Set($"{architecture}.block_count", (uint)Layers)
            .Set($"{architecture}.context_length", (uint)ContextLength)
            .Set($"{architecture}.embedding_length", (uint)Embedding)
            .Set($"{architecture}.feed_forward_length", (uint)(Embedding * 2))
            .Set($"{architecture}.attention.head_count", (uint)Heads)
            .Set($"{architecture}.attention.head_count_kv", (uint)KvHeads)
            .Set("tokenizer.ggml.model", "gpt2")
            .SetTokens(tokens, types)
            .Set("tokenizer.ggml.bos_token_id", 1u)
            .Set("tokenizer.ggml.eos_token_id", 2u);
        if (fileType is uint ft)
        {
            w.Set("general.file_type", ft);
        }

        var vocab = tokens.Count;
        var kvWidth = Embedding / Heads * KvHeads;
        w.AddTensor("token_embd.weight", GgmlTypes.F32, [Embedding, vocab]);
        for (var layer = 0; layer < Layers; layer++)
        {
            w.AddTensor($"blk.{layer}.attn_norm.weight", GgmlTypes.F32, [Embedding])
                .AddTensor($"blk.{layer}.attn_q.weight", GgmlTypes.F32, [Embedding, Embedding])
                .AddTensor($"blk.{layer}.attn_k.weight", GgmlTypes.F32, [Embedding, kvWidth])
                .AddTensor($"blk.{layer}.attn_v.weight", GgmlTypes.F32, [Embedding, kvWidth])
                .AddTensor($"blk.{layer}.attn_output.weight", GgmlTypes.F32, [Embedding, Embedding])
                .AddTensor($"blk.{layer}.ffn_up.weight", GgmlTypes.F32, [Embedding, Embedding * 2])
                .AddTensor($"blk.{layer}.ffn_down.weight", GgmlTypes.F32, [Embedding * 2, Embedding]);
        }

        w.AddTensor("output_norm.weight", GgmlTypes.F32, [Embedding])
            .AddTensor("output.weight", GgmlTypes.F32, [Embedding, vocab]);
        return w;
    }

    /// <summary>Id of the first special token passed to <see cref="Model"/>.</summary>
    public const int FirstSpecialId = 29;
}
