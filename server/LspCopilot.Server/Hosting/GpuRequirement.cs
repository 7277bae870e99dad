using LspCopilot.Engine.Models;

namespace LspCopilot.Server.Hosting;

/// <summary>
/// <c>--require-gpu</c> (doctor and worker): the start-up check of a GPU deployment, so that a container or service
/// never serves from the CPU build while it looks healthy. It holds when the loaded llama.cpp build can offload and
/// sees at least one GPU device.
/// </summary>
public static class GpuRequirement
{
    /// <summary>Exit code when the requirement fails (distinct from doctor's 1 for a bad model).</summary>
    public const int ExitCode = 4;

    /// <summary>The folder of the CUDA build inside a publish or tool folder (LLamaSharp.Backend.Cuda12's layout).</summary>
    public const string CudaNativeFolder = "runtimes/linux-x64/native/cuda12";

    /// <summary>Null when llama.cpp loaded a GPU build that sees a GPU; else what is wrong and what to do.</summary>
    public static string? Problem(NativeLibraryReport native, GpuProbeResult gpus)
    {
        var visible = gpus.Gpus.Count == 0
            ? $"No NVIDIA GPU is visible either ({gpus.Note}): on the host check nvidia-smi; in a container pass --gpus all (docker run) or a GPU reservation (compose) and install the NVIDIA Container Toolkit (nvidia-ctk runtime configure)."
            : $"{gpus.Gpus.Count} NVIDIA GPU(s) are visible ({string.Join(", ", gpus.Gpus.Select(g => g.Name))}).";
        if (!native.Loaded)
        {
            return $"A GPU is required but llama.cpp did not load: {native.Error}. {visible}";
        }

        if (!native.GpuOffload)
        {
            return $"A GPU is required but the {native.Variant} build of llama.cpp loaded ({native.LibraryPath}), which cannot use one. " +
                $"Pack or publish with -p:LlamaBackend=Cuda12 and pass --native-lib-dir <app>/{CudaNativeFolder}. {visible}";
        }

        var devices = native.Devices.Where(d => !d.StartsWith("CPU", StringComparison.OrdinalIgnoreCase)).ToList();
        if (devices.Count == 0)
        {
            return $"A GPU is required: the {native.Variant} build of llama.cpp loaded ({native.LibraryPath}) but it found no GPU device (devices: {string.Join(", ", native.Devices)}). {visible}";
        }

        return null;
    }

    /// <summary>One line for the report: which backend loaded and the GPU devices it sees.</summary>
    public static string Describe(NativeLibraryReport native) =>
        native.Loaded ? $"{native.Variant} build ({native.LibraryPath}); devices: {string.Join(", ", native.Devices)}" : $"not loaded ({native.Error})";
}
