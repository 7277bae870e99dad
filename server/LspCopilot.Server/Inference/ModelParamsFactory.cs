using System.Globalization;
using LLama.Common;
using LLama.Native;
using LspCopilot.Server.Configuration;

namespace LspCopilot.Server.Inference;

/// <summary>Maps our engine options onto LLamaSharp's, overriding its defaults that hurt us (threads, GPU layers).</summary>
public static class ModelParamsFactory
{
    public static ModelParams Create(string path, EngineOptions options)
    {
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
