namespace LspCopilot.Engine.CpuVariants;

/// <summary>
/// What is known about CPU builds on this machine, without measuring anything (for <c>doctor</c> and
/// <c>model info</c>): the builds the CPU runs, the measurements cached for it, and the one for a model.
/// </summary>
public sealed record CpuVariantStatus(
    string? NotApplicable,
    IReadOnlyList<string> Candidates,
    IReadOnlyList<CpuVariantRecord> Measured,
    CpuVariantRecord? ForModel,
    string CacheFile)
{
    /// <summary>LLamaSharp's own pick: the widest build the CPU runs.</summary>
    public string? Default => Candidates.Count > 0 ? Candidates[0] : null;
}
