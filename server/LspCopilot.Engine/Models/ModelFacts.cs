using LspCopilot.Completion;

namespace LspCopilot.Engine.Models;

/// <summary>
/// What a GGUF file says about its model, derived from the header alone (no native library):
/// shape, size, quantization, tokenizer facts and the FIM template.
/// </summary>
public sealed record ModelFacts
{
    public required string Path { get; init; }

    public required GgufFile Gguf { get; init; }

    public required long FileSize { get; init; }

    public string? Architecture => Gguf.Architecture;

    public string? Name => Gguf.GetString("general.name");

    /// <summary>The publisher's size label (e.g. "1.5B"), when present.</summary>
    public string? SizeLabel => Gguf.GetString("general.size_label");

    /// <summary>Sum of every tensor's element count.</summary>
    public required long Parameters { get; init; }

    /// <summary>The file type name (general.file_type), else the type holding most weight bytes.</summary>
    public required string Quantization { get; init; }

    public long? FileType => Gguf.GetInteger("general.file_type");

    public long? ContextLength => ArchInteger("context_length");

    public int? VocabSize { get; init; }

    public int BlockCount { get; init; }

    public long? EmbeddingLength => ArchInteger("embedding_length");

    public long? HeadCount => ArchInteger("attention.head_count");

    /// <summary>KV heads of the first attention layer (per-layer arrays are kept in <see cref="KvElementsPerLayer"/>).</summary>
    public long? HeadCountKv { get; init; }

    public string? TokenizerModel => Gguf.GetString("tokenizer.ggml.model");

    public bool HasChatTemplate => Gguf.Metadata.ContainsKey("tokenizer.chat_template");

    public required FimLayout Fim { get; init; }

    /// <summary>Ids that end generation: the eos/eot/eom ids plus tokens spelled like llama.cpp's end markers.</summary>
    public required IReadOnlyList<int> EndOfGenerationTokens { get; init; }

    /// <summary>Bytes of all tensors (the weights llama.cpp loads).</summary>
    public required long WeightBytes { get; init; }

    /// <summary>Weight bytes of each transformer block (blk.N.*), index = layer.</summary>
    public required IReadOnlyList<long> LayerWeightBytes { get; init; }

    /// <summary>The input embedding table, which llama.cpp keeps in host memory.</summary>
    public required long TokenEmbeddingBytes { get; init; }

    /// <summary>The output head (output norm + output matrix, or the tied embedding copy), placed with the last offloaded layer.</summary>
    public required long OutputBytes { get; init; }

    /// <summary>K plus V values stored per token in each layer's cache (0 for layers without attention).</summary>
    public required IReadOnlyList<long> KvElementsPerLayer { get; init; }

    /// <summary>False when the file is shorter than its tensors need (an interrupted download).</summary>
    public bool IsComplete => Gguf.IsComplete;

    public string? TokenText(int id) => Gguf.GetArray("tokenizer.ggml.tokens")?.Items is { } items && id >= 0 && id < items.Count ? items[id] as string : null;

    public long? ArchInteger(string name) => Gguf.GetInteger(Gguf.ArchKey(name));

    /// <summary>Reads a GGUF file's header; throws <see cref="GgufFormatException"/> or an I/O exception.</summary>
    public static ModelFacts Read(string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        var gguf = GgufReader.Read(full);
        return From(full, gguf, new FileInfo(full).Length);
    }

    public static ModelFacts From(string path, GgufFile gguf, long fileSize)
    {
        var blocks = (int)Math.Clamp(gguf.GetInteger(gguf.ArchKey("block_count")) ?? 0, 0, 100_000);
        var layers = new long[blocks];
        long total = 0;
        long parameters = 0;
        long embedding = 0;
        long output = 0;
        long outputNorm = 0;
        var bytesByType = new Dictionary<int, long>();
        foreach (var tensor in gguf.Tensors)
        {
            parameters += tensor.ElementCount;
            var bytes = tensor.ByteSize ?? 0;
            total += bytes;
            if (tensor.Dimensions.Count >= 2)
            {
                bytesByType[tensor.Type] = bytesByType.GetValueOrDefault(tensor.Type) + bytes;
            }

            if (tensor.Layer is int layer && layer < blocks)
            {
                layers[layer] += bytes;
            }
            else if (tensor.Name == "token_embd.weight")
            {
                embedding = bytes;
            }
            else if (tensor.Name == "output.weight")
            {
                output = bytes;
            }
            else if (tensor.Name.StartsWith("output_norm", StringComparison.Ordinal))
            {
                outputNorm += bytes;
            }
        }

        if (gguf.Tensors.Any(t => t.ByteSize is null))
        {
            // A tensor type newer than this table: the file size is the best weight estimate.
            total = Math.Max(total, fileSize - gguf.DataOffset);
        }

        var quantization = gguf.GetInteger("general.file_type") is long ft && LlamaFileTypes.Name(ft) is { } named
            ? named
            : bytesByType.Count > 0 ? GgmlTypes.Name(bytesByType.MaxBy(p => p.Value).Key) : "unknown";

        var (kvPerLayer, firstKvHeads) = KvShape(gguf, blocks);
        return new ModelFacts
        {
            Path = path,
            Gguf = gguf,
            FileSize = fileSize,
            Parameters = parameters,
            Quantization = quantization,
            VocabSize = CountVocabulary(gguf),
            BlockCount = blocks,
            HeadCountKv = firstKvHeads,
            Fim = FimTemplates.Detect(gguf),
            EndOfGenerationTokens = EndOfGeneration.Find(gguf),
            WeightBytes = total,
            LayerWeightBytes = layers,
            TokenEmbeddingBytes = embedding,
            // Tied embeddings: llama.cpp loads a second copy of token_embd as the output matrix.
            OutputBytes = outputNorm + (output > 0 ? output : embedding),
            KvElementsPerLayer = kvPerLayer,
        };
    }

    /// <summary>Values per attention head in K and in V: the key/value_length keys, else embedding_length / head_count.</summary>
    public static (long Key, long Value) HeadSizes(GgufFile gguf)
    {
        var heads = gguf.GetInteger(gguf.ArchKey("attention.head_count"));
        var embedding = gguf.GetInteger(gguf.ArchKey("embedding_length"));
        var headDim = heads is > 0 && embedding is > 0 ? embedding.Value / heads.Value : 0;
        return (gguf.GetInteger(gguf.ArchKey("attention.key_length")) ?? headDim, gguf.GetInteger(gguf.ArchKey("attention.value_length")) ?? headDim);
    }

    private static int? CountVocabulary(GgufFile gguf)
    {
        if (gguf.GetArray("tokenizer.ggml.tokens") is { } tokens)
        {
            return (int)Math.Min(tokens.Count, int.MaxValue);
        }

        return gguf.GetInteger(gguf.ArchKey("vocab_size")) is long n ? (int)Math.Min(n, int.MaxValue) : null;
    }

    /// <summary>
    /// K+V values per token per layer: head_count_kv × (key_length + value_length). head_count_kv may
    /// be one number or one per layer (0 for layers without attention); key/value lengths default to
    /// embedding_length / head_count, as in llama.cpp.
    /// </summary>
    private static (long[] PerLayer, long? FirstHeads) KvShape(GgufFile gguf, int blocks)
    {
        var perLayer = new long[blocks];
        var heads = gguf.GetInteger(gguf.ArchKey("attention.head_count"));
        var embedding = gguf.GetInteger(gguf.ArchKey("embedding_length"));
        var headsArray = gguf.GetArray(gguf.ArchKey("attention.head_count_kv"));
        var kvHeads = gguf.GetInteger(gguf.ArchKey("attention.head_count_kv")) ?? heads;
        if (heads is not > 0 && headsArray is null)
        {
            return (perLayer, null);
        }

        var (keyLength, valueLength) = HeadSizes(gguf);
        long? first = null;
        for (var layer = 0; layer < blocks; layer++)
        {
            var n = headsArray is not null ? headsArray.IntegerAt(layer) ?? 0 : kvHeads ?? 0;
            first ??= n > 0 ? n : null;
            perLayer[layer] = Math.Max(0, n) * (keyLength + valueLength);
        }

        return (perLayer, first);
    }
}
