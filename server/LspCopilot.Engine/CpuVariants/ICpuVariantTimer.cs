namespace LspCopilot.Engine.CpuVariants;

/// <summary>Times one CPU build on a model; the native library loads once per process, so each build runs in a process of its own.</summary>
public interface ICpuVariantTimer
{
    /// <summary>The build's timings; throws <see cref="CpuVariantProbeException"/> (saying why) when it could not run.</summary>
    Task<CpuVariantTiming> TimeAsync(CpuBuild build, string modelPath, int threads, CancellationToken cancellationToken);
}

/// <summary>A CPU build could not be timed: it failed to load, crashed (e.g. an illegal instruction) or ran out of time.</summary>
public sealed class CpuVariantProbeException : Exception
{
    public CpuVariantProbeException(string message)
        : base(message)
    {
    }

    public CpuVariantProbeException()
    {
    }

    public CpuVariantProbeException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
