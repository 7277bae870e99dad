using LspCopilot.Completion;

namespace LspCopilot.Engine.Models;

/// <summary>The KV cache element types we offer (--kv-cache-type), and their size per value.</summary>
public static class KvCacheTypes
{
    public static IReadOnlyList<string> Names => EngineOptionValues.KvCacheTypeNames;

    public static bool IsKnown(string? name) => name is not null && Names.Contains(name.ToLowerInvariant());

    /// <summary>
    /// Why a cache type cannot hold this model's heads, or null: llama.cpp refuses a quantized cache
    /// whose 32-value blocks do not divide the head size, and a context made anyway crashes on decode.
    /// </summary>
    public static string? Problem(string? name, long keyLength, long valueLength)
    {
        var type = name?.ToLowerInvariant();
        if (type is not ("q8_0" or "q4_0"))
        {
            return null;
        }

        const int block = 32;
        if (keyLength > 0 && keyLength % block == 0 && valueLength > 0 && valueLength % block == 0)
        {
            return null;
        }

        return $"--kv-cache-type {type} needs attention heads whose size is a multiple of {block}; this model's are {keyLength} (K) and {valueLength} (V) values wide. Use --kv-cache-type f16.";
    }

    /// <summary>Bytes per cached value: 2 for f16, 34/32 for q8_0, 18/32 for q4_0.</summary>
    public static double BytesPerElement(string? name) => name?.ToLowerInvariant() switch
    {
        null or "" or "f16" => GgmlTypes.BytesPerElement(GgmlTypes.F16),
        "q8_0" => GgmlTypes.BytesPerElement(GgmlTypes.Q8_0),
        "q4_0" => GgmlTypes.BytesPerElement(GgmlTypes.Q4_0),
        _ => throw new ArgumentException($"Unknown KV cache type '{name}'. Use f16, q8_0 or q4_0."),
    };
}
