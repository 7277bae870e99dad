namespace LspCopilot.Engine.CpuVariants;

/// <summary>
/// Which llama.cpp library the engine loads: <see cref="LibraryDir"/> (a bundled CPU build's folder, or the
/// user's --native-lib-dir), or null for LLamaSharp's own pick. <see cref="Reason"/> says why, for the log.
/// </summary>
public sealed record CpuVariantChoice(string? Variant, string? LibraryDir, string Reason)
{
    /// <summary>The measurement the choice rests on, when it was measured (now or before).</summary>
    public CpuVariantRecord? Measurement { get; init; }

    /// <summary>True when the choice was read from the cache instead of measured now.</summary>
    public bool FromCache { get; init; }

    public string LogLine => "CPU build: " + Reason;
}
