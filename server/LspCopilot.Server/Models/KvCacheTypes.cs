namespace LspCopilot.Server.Models;

/// <summary>The KV cache element types we offer (--kv-cache-type), and their size per value.</summary>
public static class KvCacheTypes
{
    public static IReadOnlyList<string> Names { get; } = ["f16", "q8_0", "q4_0"];

    public static bool IsKnown(string? name) => name is not null && Names.Contains(name.ToLowerInvariant());

    /// <summary>Bytes per cached value: 2 for f16, 34/32 for q8_0, 18/32 for q4_0.</summary>
    public static double BytesPerElement(string? name) => name?.ToLowerInvariant() switch
    {
        null or "" or "f16" => GgmlTypes.BytesPerElement(GgmlTypes.F16),
        "q8_0" => GgmlTypes.BytesPerElement(GgmlTypes.Q8_0),
        "q4_0" => GgmlTypes.BytesPerElement(GgmlTypes.Q4_0),
        _ => throw new ArgumentException($"Unknown KV cache type '{name}'. Use f16, q8_0 or q4_0."),
    };
}
