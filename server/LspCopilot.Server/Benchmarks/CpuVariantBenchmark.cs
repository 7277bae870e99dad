using System.Globalization;
using LspCopilot.Completion;
using LspCopilot.Engine.CpuVariants;
using LspCopilot.Engine;
using LspCopilot.Server.Hosting;
using LspCopilot.Server.Worker;

namespace LspCopilot.Server.Benchmarks;

/// <summary>
/// The CPU build choice: LLamaSharp's own pick (the widest instruction set the CPU supports) against the
/// build chosen for this machine and model, both timed fresh in this run (the cached timings are not
/// trusted for the figure), alternating so that machine noise hits both alike.
/// <c>cpu_variant_speedup</c> = the pick's score ÷ the chosen build's score.
/// </summary>
public static class CpuVariantBenchmark
{
    private const int Rounds = 2;

    /// <summary>Reports the figure and returns the options the engine should load with (the chosen build).</summary>
    public static async Task<EngineOptions> RunAsync(EngineOptions options, BenchReport report, ServerLog log, CancellationToken ct)
    {
        if (NativeBackend.IsLoaded)
        {
            report.Facts["cpu_build"] = "llama.cpp already loaded in this process";
            return options;
        }

        var choice = await CpuBuildSelection.Chooser(log).ChooseAsync(options, measure: true, ct).ConfigureAwait(false);
        report.Facts["cpu_build"] = choice.Reason;
        var chosenOptions = choice.LibraryDir is { } folder ? options with { NativeLibDir = folder } : options;
        var bundled = BundledCpuVariants.Find();
        var candidates = bundled.Candidates(CpuIdentity.Current());
        if (choice.Variant is not { } variant || options.ModelPath is not { } model || candidates.Count == 0)
        {
            report.Facts["cpu_variant_speedup"] = "not measured: no bundled CPU build was chosen";
            return chosenOptions;
        }

        var pick = candidates[0];
        var chosen = candidates.First(b => b.Variant == variant);
        var timer = new CpuProbeProcess(WorkerLaunch.ForThisProgram());
        var best = new Dictionary<string, CpuVariantTiming>(StringComparer.Ordinal);
        var threads = Math.Max(1, options.Threads);
        for (var round = 0; round < Rounds; round++)
        {
            foreach (var build in new[] { pick, chosen }.DistinctBy(b => b.Variant))
            {
                try
                {
                    var timing = await timer.TimeAsync(build, model, threads, ct).ConfigureAwait(false);
                    if (!best.TryGetValue(build.Variant, out var before) || timing.ScoreMs < before.ScoreMs)
                    {
                        best[build.Variant] = timing;
                    }
                }
                catch (CpuVariantProbeException ex)
                {
                    log.Warning($"CPU build {build.Variant} could not be timed: {ex.Message}");
                }
            }
        }

        if (!best.TryGetValue(pick.Variant, out var slow) || !best.TryGetValue(chosen.Variant, out var fast))
        {
            report.Facts["cpu_variant_speedup"] = "not measured: a build could not be timed";
            return chosenOptions;
        }

        var c = CultureInfo.InvariantCulture;
        report.Row($"{slow.PrefillTokens}-token prefill, {pick.Variant} (LLamaSharp's pick)", slow.PrefillMs, 1000 / slow.DecodeMsPerToken, string.Format(c, "score {0:0.0} ms", slow.ScoreMs));
        if (chosen != pick)
        {
            report.Row($"{fast.PrefillTokens}-token prefill, {chosen.Variant} (chosen CPU build)", fast.PrefillMs, 1000 / fast.DecodeMsPerToken, string.Format(c, "score {0:0.0} ms", fast.ScoreMs));
        }

        report.Facts["cpu_variant"] = chosen.Variant;
        report.Facts["cpu_variant_default"] = pick.Variant;
        report.Ratio("cpu_variant_speedup (pick / chosen build score)", slow.ScoreMs / fast.ScoreMs);
        report.Metrics["cpu_variant_speedup"] = slow.ScoreMs / fast.ScoreMs;
        return chosenOptions;
    }
}
