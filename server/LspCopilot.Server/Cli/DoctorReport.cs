using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using LspCopilot.Completion;
using LspCopilot.Engine.CpuVariants;
using LspCopilot.Engine.Models;

namespace LspCopilot.Server.Cli;

/// <summary>Everything <c>doctor</c> found: system, llama.cpp build, GPUs, model cache, and the model's fit.</summary>
public sealed record DoctorReport
{
    public required string Os { get; init; }

    public required string Runtime { get; init; }

    public required int Cores { get; init; }

    public required string CpuFeatures { get; init; }

    public required HostMemory Memory { get; init; }

    public required NativeLibraryReport Native { get; init; }

    /// <summary>The CPU builds this machine runs and what was measured on it (nothing is measured by doctor).</summary>
    public required CpuVariantStatus CpuBuild { get; init; }

    /// <summary>Which build loads now and why (the log line of the choice, without measuring).</summary>
    public required string CpuBuildLoads { get; init; }

    /// <summary>--cpu-variant as given (auto by default).</summary>
    public required string CpuVariantRequested { get; init; }

    public required GpuProbeResult Gpus { get; init; }

    public required string CacheRoot { get; init; }

    public required int CachedModels { get; init; }

    public required string? DefaultModelPath { get; init; }

    /// <summary>The model checked, and where its path came from; null when none was found.</summary>
    public string? ModelPath { get; init; }

    public string? ModelSource { get; init; }

    public string? ModelError { get; init; }

    public ModelFacts? Model { get; init; }

    public EngineOptions? Options { get; init; }

    public FitPlan? Plan { get; init; }

    /// <summary>--chat-model: the second model, planned on what the first leaves free.</summary>
    public string? ChatModelPath { get; init; }

    public string? ChatModelError { get; init; }

    public ModelFacts? ChatModel { get; init; }

    public FitPlan? ChatPlan { get; init; }

    /// <summary>With --require-gpu: true when checked; <see cref="GpuProblem"/> says why it failed.</summary>
    public bool GpuRequired { get; init; }

    public string? GpuProblem { get; init; }

    /// <summary>With --token-file: the file checked, and why it cannot be used (an error) or should be fixed (a warning).</summary>
    public string? TokenFile { get; init; }

    public string? TokenError { get; init; }

    public string? TokenWarning { get; init; }

    /// <summary>Why the plan ignores visible GPUs, or other caveats.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    public static string DescribeCpu()
    {
        var features = new List<string>();
        if (RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.X86)
        {
            features.Add("AVX " + (Avx.IsSupported ? "yes" : "no"));
            features.Add("AVX2 " + (Avx2.IsSupported ? "yes" : "no"));
            features.Add("AVX-512 " + (Avx512F.IsSupported ? "yes" : "no"));
        }
        else if (RuntimeInformation.ProcessArchitecture == Architecture.Arm64)
        {
            features.Add("NEON " + (System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported ? "yes" : "no"));
        }

        return $"{RuntimeInformation.ProcessArchitecture}, {string.Join(", ", features)}";
    }
}
