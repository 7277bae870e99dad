using LspCopilot.Engine.CpuVariants;

namespace LspCopilot.Engine.Tests.CpuVariants;

/// <summary>
/// Stands in for the child-process probe where the decision logic is under test: answers each build with
/// the timing given for it (or fails it with the reason given), and records which builds were asked for.
/// The real probe has its own tests in the server's suite.
/// </summary>
internal sealed class GivenTimings : ICpuVariantTimer
{
    private readonly Dictionary<string, (double PrefillMs, double DecodeMs)> _timings = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _failures = new(StringComparer.Ordinal);

    public List<string> Asked { get; } = [];

    /// <summary>How long each timing takes to come back (a real probe takes a while).</summary>
    public TimeSpan Delay { get; init; }

    public GivenTimings Time(string variant, double prefillMs, double decodeMsPerToken)
    {
        _timings[variant] = (prefillMs, decodeMsPerToken);
        return this;
    }

    public GivenTimings Fail(string variant, string reason)
    {
        _failures[variant] = reason;
        return this;
    }

    public async Task<CpuVariantTiming> TimeAsync(CpuBuild build, string modelPath, int threads, CancellationToken cancellationToken)
    {
        lock (Asked)
        {
            Asked.Add(build.Variant);
        }

        await Task.Delay(Delay, cancellationToken);
        if (_failures.TryGetValue(build.Variant, out var reason))
        {
            throw new CpuVariantProbeException(reason);
        }

        var (prefill, decode) = _timings.TryGetValue(build.Variant, out var t) ? t : throw new InvalidOperationException($"no timing given for {build.Variant}");
        return new CpuVariantTiming(build.Variant, 192, prefill, 8, decode);
    }
}
