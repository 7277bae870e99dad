using System.Runtime.InteropServices;

namespace LspCopilot.Engine.CpuVariants;

/// <summary>One bundled CPU build of llama.cpp: its variant (avx512, avx2, avx, noavx) and the folder holding it.</summary>
public sealed record CpuBuild(string Variant, string Directory);

/// <summary>
/// The CPU builds of llama.cpp shipped beside the program (LLamaSharp.Backend.Cpu puts them in
/// <c>runtimes/linux-x64/native/{noavx,avx,avx2,avx512}/</c>), widest instruction set first, and any GPU
/// backend shipped with them. <see cref="Unavailable"/> says why there is no choice to make at all.
/// </summary>
public sealed record BundledCpuVariants(IReadOnlyList<CpuBuild> Builds, string? GpuBackend = null, string? Unavailable = null)
{
    /// <summary>
    /// Tells llama.cpp builds apart, so that measurements of an older LLamaSharp's libraries are not reused
    /// (its assembly carries no version; a new llama.cpp commit changes the library's size).
    /// </summary>
    public string LlamaBuild { get; init; } = "unknown";

    /// <summary>Widest first: the order LLamaSharp prefers them in.</summary>
    public static IReadOnlyList<string> Order { get; } = ["avx512", "avx2", "avx", "noavx"];

    /// <summary>The builds beside <paramref name="baseDirectory"/> (default: this program's folder).</summary>
    public static BundledCpuVariants Find(string? baseDirectory = null)
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
        {
            return new([], Unavailable: $"only x64 Linux ships a choice of CPU builds (this is {RuntimeInformation.RuntimeIdentifier})");
        }

        var runtimes = Path.Combine(baseDirectory ?? AppContext.BaseDirectory, "runtimes");
        var rid = RuntimeInformation.RuntimeIdentifier.StartsWith("linux-musl", StringComparison.Ordinal) ? "linux-musl-x64" : "linux-x64";
        var native = Path.Combine(runtimes, rid, "native");
        var builds = Order
            .Select(variant => new CpuBuild(variant, Path.Combine(native, variant)))
            .Where(build => File.Exists(Path.Combine(build.Directory, "libllama.so")))
            .ToList();
        var llamaBuild = builds.Count == 0 ? "unknown" : $"libllama.so of {new FileInfo(Path.Combine(builds[0].Directory, "libllama.so")).Length} bytes";
        return new(builds, FindGpuBackend(runtimes)) { LlamaBuild = llamaBuild };
    }

    public CpuBuild? Get(string variant) => Builds.FirstOrDefault(b => b.Variant == variant);

    /// <summary>The builds this CPU can run, widest first; the first is LLamaSharp's own pick.</summary>
    public IReadOnlyList<CpuBuild> Candidates(CpuIdentity cpu) => [.. Builds.Where(b => cpu.Supports(b.Variant))];

    /// <summary>A CUDA or Vulkan backend package puts its libraries in a folder of its own under runtimes/.</summary>
    private static string? FindGpuBackend(string runtimes)
    {
        if (!Directory.Exists(runtimes))
        {
            return null;
        }

        var options = new EnumerationOptions { RecurseSubdirectories = true, MaxRecursionDepth = 3, IgnoreInaccessible = true };
        return Directory.EnumerateDirectories(runtimes, "*", options)
            .Select(Path.GetFileName)
            .FirstOrDefault(name => name is not null && (name.StartsWith("cuda", StringComparison.OrdinalIgnoreCase) || name.StartsWith("vulkan", StringComparison.OrdinalIgnoreCase)));
    }
}
