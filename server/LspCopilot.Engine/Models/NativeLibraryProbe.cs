using System.Diagnostics;
using System.Runtime.InteropServices;
using LLama.Native;
using LspCopilot.Completion;

namespace LspCopilot.Engine.Models;

/// <summary>Which llama.cpp build this process loaded and what it can do.</summary>
public sealed record NativeLibraryReport(
    bool Loaded,
    string? Error,
    string Variant,
    string? AvxLevel,
    string? LibraryPath,
    bool GpuOffload,
    IReadOnlyList<string> Devices,
    string? SystemInfo,
    IReadOnlyList<string> LoadedFiles)
{
    public bool HasGpuBackend => Loaded && GpuOffload;
}

/// <summary>
/// Loads llama.cpp the way the engine does (bundled CPU build chosen by AVX level, or the user's
/// --native-lib-dir) and reports what got loaded, read from the process's own module list.
/// </summary>
public static class NativeLibraryProbe
{
    /// <param name="nativeLibDir">The user's --native-lib-dir.</param>
    /// <param name="chosenDir">Else the folder of the CPU build chosen for this machine, when one is.</param>
    public static NativeLibraryReport Probe(string? nativeLibDir, ServerLog log, string? chosenDir = null)
    {
        NativeBackend.Configure(log, string.IsNullOrEmpty(nativeLibDir) ? chosenDir : nativeLibDir);
        bool gpu;
        var devices = new List<string>();
        string? systemInfo;
        try
        {
            gpu = NativeApi.llama_supports_gpu_offload();
            var count = NativeApi.ggml_backend_dev_count();
            for (nuint i = 0; i < count; i++)
            {
                var name = Marshal.PtrToStringUTF8(NativeApi.ggml_backend_dev_name(NativeApi.ggml_backend_dev_get(i)));
                if (!string.IsNullOrEmpty(name))
                {
                    devices.Add(name);
                }
            }

            systemInfo = Marshal.PtrToStringUTF8(NativeApi.llama_print_system_info())?.Trim();
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException or TypeInitializationException or BadImageFormatException or LLama.Exceptions.RuntimeError)
        {
            var files = LoadedFiles();
            return new NativeLibraryReport(false, Describe(ex), "none", null, null, false, [], null, files);
        }

        var loaded = LoadedFiles();
        var llama = loaded.FirstOrDefault(f => Path.GetFileName(f).StartsWith("libllama", StringComparison.Ordinal) || Path.GetFileName(f).Equals("llama.dll", StringComparison.OrdinalIgnoreCase));
        var avx = AvxFolder(llama);
        var variant = loaded.Any(f => f.Contains("ggml-cuda", StringComparison.Ordinal)) ? "CUDA"
            : loaded.Any(f => f.Contains("ggml-vulkan", StringComparison.Ordinal)) ? "Vulkan"
            : loaded.Any(f => f.Contains("ggml-metal", StringComparison.Ordinal)) ? "Metal"
            : "CPU";
        if (!string.IsNullOrEmpty(nativeLibDir))
        {
            variant += " (from --native-lib-dir)";
        }

        return new NativeLibraryReport(true, null, variant, avx, llama, gpu, devices, systemInfo, loaded);
    }

    /// <summary>llama/ggml files mapped into this process.</summary>
    internal static List<string> LoadedFiles()
    {
        using var self = Process.GetCurrentProcess();
        var files = new List<string>();
        foreach (ProcessModule module in self.Modules)
        {
            var name = Path.GetFileName(module.FileName);
            if (name.Contains("llama", StringComparison.OrdinalIgnoreCase) || name.Contains("ggml", StringComparison.OrdinalIgnoreCase) || name.Contains("mtmd", StringComparison.OrdinalIgnoreCase))
            {
                files.Add(module.FileName);
            }
        }

        return files;
    }

    /// <summary>The bundled CPU builds live in runtimes/OS/native/{noavx,avx,avx2,avx512}/.</summary>
    private static string? AvxFolder(string? libraryPath)
    {
        var folder = libraryPath is null ? null : Path.GetFileName(Path.GetDirectoryName(libraryPath));
        return folder is "noavx" or "avx" or "avx2" or "avx512" ? folder : null;
    }

    private static string Describe(Exception ex)
    {
        var parts = new List<string>();
        for (var e = ex; e is not null; e = e.InnerException)
        {
            parts.Add(e.Message.Trim());
        }

        return string.Join(" → ", parts.Distinct());
    }
}
