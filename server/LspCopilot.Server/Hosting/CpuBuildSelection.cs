using LspCopilot.Completion;
using LspCopilot.Engine.CpuVariants;
using LspCopilot.Engine.Models;
using LspCopilot.Engine;
using LspCopilot.Server.Worker;

namespace LspCopilot.Server.Hosting;

/// <summary>
/// The CPU build of llama.cpp the engine loads (<see cref="CpuVariantChooser"/>, wired to this machine: the
/// builds beside the program, this CPU, the cache in the model cache folder, probes in child processes).
/// Every command that loads the engine — the server in process, the worker, complete, bench — goes through
/// <see cref="Apply"/> before its first native call.
/// </summary>
public static class CpuBuildSelection
{
    /// <param name="cacheDir">The model cache folder (--cache-dir); null: $LSPCOPILOT_MODEL_CACHE, else the default.</param>
    public static CpuVariantChooser Chooser(ServerLog log, string? cacheDir = null) =>
        new(BundledCpuVariants.Find(), CpuIdentity.Current(), CacheFor(cacheDir), new CpuProbeProcess(WorkerLaunch.ForThisProgram()), log);

    public static CpuVariantCache CacheFor(string? cacheDir) => new(ModelCache.Resolve(cacheDir).Root);

    /// <summary>
    /// The options with the chosen build's folder as <see cref="EngineOptions.NativeLibDir"/> (measured first
    /// when nothing is cached for this machine and model), and one Info line saying what and why.
    /// </summary>
    public static EngineOptions Apply(EngineOptions options, ServerLog log, CancellationToken cancellationToken = default)
    {
        if (NativeBackend.IsLoaded)
        {
            log.Debug("CPU build: llama.cpp is already loaded in this process; keeping it.");
            return options;
        }

        var choice = Chooser(log).ChooseAsync(options, measure: true, cancellationToken).GetAwaiter().GetResult();
        log.Info(choice.LogLine);
        return choice.LibraryDir is { } folder ? options with { NativeLibDir = folder } : options;
    }
}
