using System.Globalization;
using LLama.Common;
using LLama.Native;
using LspCopilot.Completion;
using LspCopilot.Engine.Models;

namespace LspCopilot.Engine;

/// <summary>Maps our engine options onto LLamaSharp's, overriding its defaults that hurt us (threads, GPU layers).</summary>
public static class ModelParamsFactory
{
    private static readonly GgufReadOptions s_headerOnly = new() { MaxKeptArrayLength = 0, AlwaysKeep = new HashSet<string>() };

    public static ModelParams Create(string path, EngineOptions options)
    {
        CheckKvCacheType(path, options.KvCacheType, options.FlashAttention);
        var p = new ModelParams(path)
        {
            ContextSize = options.ContextSize,
            Threads = Math.Max(1, options.Threads),
            BatchThreads = Math.Max(1, options.BatchThreads),
            GpuLayerCount = options.GpuLayers,
            MainGpu = options.MainGpu,
            SplitMode = ParseSplitMode(options.SplitMode),
            // A quantized V cache only works with flash attention; "auto" could leave it off and fail context creation.
            FlashAttention = options.FlashAttention ?? (ParseKvType(options.KvCacheType) != GGMLType.GGML_TYPE_F16 ? true : null),
            TypeK = ParseKvType(options.KvCacheType),
            TypeV = ParseKvType(options.KvCacheType),
            LoadMode = (options.UseMmap, options.UseMlock) switch
            {
                (true, true) => LLamaLoadMode.MemoryMapAndLock,
                (true, false) => LLamaLoadMode.MemoryMap,
                (false, true) => LLamaLoadMode.MemoryLock,
                _ => LLamaLoadMode.None,
            },
            // Completions, the parking of reused chunks, a kept conversation and a one-off chat each have a
            // sequence (KvSequences), and so does each client of a shared worker whose completions are batched;
            // unified, so the sequences share the context instead of splitting it.
            SeqMax = KvSequences.Total,
            KVUnified = true,
            BatchSize = 512,
            UBatchSize = 512,
        };
        if (options.TensorSplit is { Count: > 0 } split)
        {
            for (var i = 0; i < split.Count && i < p.TensorSplits.Length; i++)
            {
                p.TensorSplits[i] = split[i];
            }
        }

        return p;
    }

    /// <summary>
    /// A quantized KV cache that does not fit the model's head size makes llama.cpp fail context
    /// creation and later crash the process: refuse it up front from the GGUF header.
    /// </summary>
    private static void CheckKvCacheType(string path, string kvCacheType, bool? flashAttention)
    {
        if (ParseKvType(kvCacheType) == GGMLType.GGML_TYPE_F16)
        {
            return;
        }

        if (flashAttention == false)
        {
            throw new ModelLoadException($"--kv-cache-type {kvCacheType} needs flash attention (llama.cpp quantizes the V cache only with it): drop --flash-attention false or use --kv-cache-type f16.");
        }

        GgufFile header;
        try
        {
            header = GgufReader.Read(path, s_headerOnly);
        }
        catch (Exception ex) when (ex is GgufFormatException or IOException or UnauthorizedAccessException)
        {
            // Not our call to reject the file here: llama.cpp reports what is wrong with it.
            return;
        }

        var (key, value) = ModelFacts.HeadSizes(header);
        if (KvCacheTypes.Problem(kvCacheType, key, value) is { } problem)
        {
            throw new ModelLoadException(problem);
        }
    }

    public static GPUSplitMode ParseSplitMode(string? mode) => mode?.ToLowerInvariant() switch
    {
        null or "" or "none" => GPUSplitMode.None,
        "layer" => GPUSplitMode.Layer,
        "row" => GPUSplitMode.Row,
        _ => throw new ArgumentException($"Unknown split mode '{mode}'. Use none, layer or row."),
    };

    public static GGMLType ParseKvType(string? type) => type?.ToLowerInvariant() switch
    {
        null or "" or "f16" => GGMLType.GGML_TYPE_F16,
        "q8_0" => GGMLType.GGML_TYPE_Q8_0,
        "q4_0" => GGMLType.GGML_TYPE_Q4_0,
        _ => throw new ArgumentException(string.Format(CultureInfo.InvariantCulture, "Unknown KV cache type '{0}'. Use f16, q8_0 or q4_0.", type)),
    };
}
