using System.Runtime.Intrinsics.X86;

namespace LspCopilot.Engine.CpuVariants;

/// <summary>What makes one machine's measurements worth keeping for it: the CPU model, its cores and instruction sets.</summary>
public sealed record CpuIdentity(string Model, int Cores, string InstructionSets)
{
    /// <summary>This machine: the model name from /proc/cpuinfo, <see cref="Environment.ProcessorCount"/>, and avx/avx2/avx512 as .NET sees them.</summary>
    public static CpuIdentity Current()
    {
        var sets = new List<string>();
        if (Avx.IsSupported)
        {
            sets.Add("avx");
        }

        if (Avx2.IsSupported)
        {
            sets.Add("avx2");
        }

        if (Avx512F.IsSupported)
        {
            sets.Add("avx512");
        }

        return new CpuIdentity(ReadModelName() ?? "unknown", Environment.ProcessorCount, string.Join(',', sets));
    }

    /// <summary>Whether this CPU can run the build of <paramref name="variant"/> (noavx runs anywhere).</summary>
    public bool Supports(string variant) => variant == "noavx" || InstructionSets.Split(',').Contains(variant);

    private static string? ReadModelName()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/cpuinfo"))
            {
                if (line.StartsWith("model name", StringComparison.Ordinal) && line.IndexOf(':', StringComparison.Ordinal) is var colon and > 0)
                {
                    return line[(colon + 1)..].Trim();
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // No /proc (not Linux) or not readable: the cores and instruction sets still tell machines apart.
        }

        return null;
    }
}
