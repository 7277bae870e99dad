using System.Globalization;

namespace LspCopilot.Engine.CpuVariants;

/// <summary>
/// One machine's measurement of one model: every candidate build's timings, the build chosen and
/// LLamaSharp's own pick (<see cref="Default"/>, the widest instruction set the CPU supports).
/// </summary>
public sealed record CpuVariantRecord(
    CpuIdentity Cpu,
    ModelStamp Model,
    string LlamaBuild,
    int Threads,
    string Chosen,
    string Default,
    DateTime MeasuredUtc,
    IReadOnlyList<CpuVariantTiming> Timings)
{
    public CpuVariantTiming? TimingOf(string variant) => Timings.FirstOrDefault(t => t.Variant == variant);

    /// <summary>LLamaSharp's pick's score over the chosen build's (1 when they are the same); null when the pick was not measured.</summary>
    public double? Speedup => TimingOf(Default) is { } slow && TimingOf(Chosen) is { ScoreMs: > 0 } fast ? slow.ScoreMs / fast.ScoreMs : null;

    /// <summary>E.g. "avx2 (3.10× faster than avx512, LLamaSharp's pick: prefill 12.3 vs 38.0 ms for 192 tokens, decode 0.41 vs 0.52 ms/token)".</summary>
    public string Describe()
    {
        var c = CultureInfo.InvariantCulture;
        var chosen = TimingOf(Chosen);
        if (Chosen == Default || chosen is null || TimingOf(Default) is not { } pick)
        {
            var others = Timings.Count - 1;
            return chosen is null
                ? Chosen
                : string.Format(c, "{0} (LLamaSharp's pick, fastest of {1} measured: prefill {2:0.0} ms for {3} tokens, decode {4:0.00} ms/token)", Chosen, others + 1, chosen.PrefillMs, chosen.PrefillTokens, chosen.DecodeMsPerToken);
        }

        return string.Format(
            c,
            "{0} ({1:0.00}× faster than {2}, LLamaSharp's pick: prefill {3:0.0} vs {4:0.0} ms for {5} tokens, decode {6:0.00} vs {7:0.00} ms/token)",
            Chosen,
            Speedup ?? 1,
            Default,
            chosen.PrefillMs,
            pick.PrefillMs,
            chosen.PrefillTokens,
            chosen.DecodeMsPerToken,
            pick.DecodeMsPerToken);
    }
}
