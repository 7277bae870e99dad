namespace LspCopilot.Completion;

/// <summary>
/// Named hardware layouts (--preset, initializationOptions.preset). A preset sets a starting point;
/// options given explicitly still win over it.
/// </summary>
public static class EnginePresets
{
    /// <summary>
    /// The product brief's box: a 16 GB card plus an 8 GB card running a 32B coder at Q4 (~19 GB).
    /// Every layer on the GPUs, split by layer 2:1 to match the cards, a q8_0 KV cache (half of
    /// f16, so 8-16k tokens of context still fit) with flash attention, which that cache needs.
    /// </summary>
    public const string Dual16G8G = "dual-16g-8g";

    public static IReadOnlyList<string> Names { get; } = [Dual16G8G];

    public static bool IsKnown(string? name) => name is not null && Names.Contains(name.Trim().ToLowerInvariant());

    public static EngineOptions Apply(string name, EngineOptions options) => name.Trim().ToLowerInvariant() switch
    {
        Dual16G8G => options with
        {
            GpuLayers = -1,
            SplitMode = "layer",
            TensorSplit = [2f, 1f],
            MainGpu = 0,
            FlashAttention = true,
            KvCacheType = "q8_0",
        },
        _ => throw new ArgumentException($"Unknown preset '{name}'. Presets: {string.Join(", ", Names)}."),
    };
}
