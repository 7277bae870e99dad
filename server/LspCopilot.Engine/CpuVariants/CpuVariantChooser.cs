using LspCopilot.Completion;
using LspCopilot.Engine.Models;

namespace LspCopilot.Engine.CpuVariants;

/// <summary>
/// Chooses the bundled CPU build of llama.cpp that runs a model fastest on this machine. LLamaSharp picks
/// the widest instruction set the CPU supports, but that is not always the fastest (on some AMD EPYC
/// machines avx2 prefills several times faster than avx512), so every build the CPU can run is timed once
/// per machine and model and the choice is cached. --native-lib-dir wins over everything, an explicit
/// --cpu-variant over measuring; nothing is chosen where a GPU backend is bundled (the choice must never
/// move work off the GPUs), off x64 Linux, or with fewer than two builds to choose from.
/// </summary>
public sealed class CpuVariantChooser(BundledCpuVariants bundled, CpuIdentity cpu, CpuVariantCache cache, ICpuVariantTimer timer, ServerLog log)
{
    /// <summary>Builds whose first timing is within this factor of the fastest are timed a second time.</summary>
    public const double ContenderRatio = 2.0;

    /// <summary>How long to wait for another process that is measuring the same machine.</summary>
    public TimeSpan LockWait { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// The library to load for <paramref name="options"/>. When nothing is cached and <paramref name="measure"/>
    /// is false (e.g. <c>doctor</c>), LLamaSharp's pick, without measuring.
    /// </summary>
    public async Task<CpuVariantChoice> ChooseAsync(EngineOptions options, bool measure, CancellationToken cancellationToken)
    {
        if (!string.IsNullOrEmpty(options.NativeLibDir))
        {
            return new(null, options.NativeLibDir, $"the llama.cpp build in {options.NativeLibDir} (--native-lib-dir wins over --cpu-variant)");
        }

        if (Skip() is { } skip)
        {
            if (options.CpuVariant != "auto")
            {
                log.Warning($"--cpu-variant {options.CpuVariant} ignored: {skip}.");
            }

            return new(null, null, skip);
        }

        var candidates = bundled.Candidates(cpu);
        var requested = options.CpuVariant;
        if (requested != "auto" && Explicit(requested, candidates) is { } chosen)
        {
            return chosen;
        }

        if (candidates.Count < 2)
        {
            return new(null, null, $"LLamaSharp's pick ({(candidates.Count == 0 ? "no bundled CPU build found" : "the only bundled build this CPU runs")})");
        }

        if (options.ModelPath is not { } path || !File.Exists(path))
        {
            return new(null, null, "LLamaSharp's pick (no model file to measure with)");
        }

        var stamp = ModelStamp.Of(path);
        if (Cached(stamp, candidates) is { } cached)
        {
            return cached;
        }

        if (!measure)
        {
            return new(null, null, $"LLamaSharp's pick, {candidates[0].Variant} (not measured yet for this model on this machine)");
        }

        if (Unreadable(path) is { } problem)
        {
            return new(null, null, $"LLamaSharp's pick (not measured: {problem})");
        }

        return await MeasureAsync(stamp, candidates, Math.Max(1, options.Threads), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>What is cached for this machine (and <paramref name="modelPath"/>'s file as it is now); measures nothing.</summary>
    public CpuVariantStatus Status(string? modelPath)
    {
        var measured = cache.ForCpu(cpu).Where(r => r.LlamaBuild == bundled.LlamaBuild).ToList();
        var forModel = modelPath is not null && File.Exists(modelPath) ? cache.Find(cpu, ModelStamp.Of(modelPath), bundled.LlamaBuild) : null;
        return new CpuVariantStatus(Skip(), [.. bundled.Candidates(cpu).Select(b => b.Variant)], measured, forModel, cache.FilePath);
    }

    /// <summary>Why there is no choice to make on this machine, or null when there is.</summary>
    public string? Skip() =>
        bundled.Unavailable is { } unavailable ? $"LLamaSharp's pick ({unavailable})"
        : bundled.GpuBackend is { } gpu ? $"LLamaSharp's pick (a GPU backend, {gpu}, is bundled: a CPU build would move work off the GPUs)"
        : null;

    /// <summary>The fastest timing by <see cref="CpuVariantTiming.ScoreMs"/>; on a tie the wider build, LLamaSharp's order.</summary>
    public static CpuVariantTiming Fastest(IReadOnlyList<CpuVariantTiming> timings) =>
        timings.OrderBy(t => t.ScoreMs).ThenBy(t => IndexOf(t.Variant)).First();

    private CpuVariantChoice? Explicit(string requested, IReadOnlyList<CpuBuild> candidates)
    {
        if (candidates.FirstOrDefault(b => b.Variant == requested) is { } build)
        {
            return new(build.Variant, build.Directory, $"{build.Variant} (--cpu-variant)");
        }

        var why = bundled.Get(requested) is null ? $"no {requested} build is bundled" : $"this CPU lacks {requested} instructions";
        log.Warning($"--cpu-variant {requested} ignored: {why} (builds this CPU runs: {string.Join(", ", candidates.Select(b => b.Variant))}). Choosing automatically.");
        return null;
    }

    private CpuVariantChoice? Cached(ModelStamp stamp, IReadOnlyList<CpuBuild> candidates)
    {
        if (cache.Find(cpu, stamp, bundled.LlamaBuild) is not { } record || candidates.FirstOrDefault(b => b.Variant == record.Chosen) is not { } build)
        {
            return null;
        }

        return new(build.Variant, build.Directory, record.Describe() + "; cached") { Measurement = record, FromCache = true };
    }

    private async Task<CpuVariantChoice> MeasureAsync(ModelStamp stamp, IReadOnlyList<CpuBuild> candidates, int threads, CancellationToken cancellationToken)
    {
        IDisposable? held = null;
        try
        {
            held = await cache.LockAsync(LockWait, () => log.Info("Another lspcopilot is measuring the CPU builds of llama.cpp on this machine; waiting for its result…"), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            log.Debug($"Cannot lock {cache.FilePath} ({ex.Message}); measuring without it.");
        }

        if (held is null)
        {
            log.Info($"The CPU build measurement cannot be kept in {cache.FilePath} (not writable, or another process holds it): it is measured again next start.");
        }

        using (held)
        {
            // The process that held the lock may just have measured this very model.
            if (Cached(stamp, candidates) is { } cached)
            {
                return cached;
            }

            var names = string.Join(", ", candidates.Select(b => b.Variant));
            log.Info($"Measuring which CPU build of llama.cpp runs {Path.GetFileName(stamp.Path)} fastest here ({names}): once per machine and model, a few seconds for a small model, longer for a big one…");
            var best = new Dictionary<string, CpuVariantTiming>(StringComparer.Ordinal);
            await TimeAllAsync(candidates, stamp.Path, threads, best, cancellationToken).ConfigureAwait(false);

            // A busy machine can slow one build's whole run: time the contenders once more and keep each one's best.
            if (best.Count > 1)
            {
                var leader = Fastest([.. best.Values]).ScoreMs;
                var contenders = candidates.Where(b => best.TryGetValue(b.Variant, out var t) && t.ScoreMs <= leader * ContenderRatio).ToList();
                if (contenders.Count > 1)
                {
                    await TimeAllAsync(contenders, stamp.Path, threads, best, cancellationToken).ConfigureAwait(false);
                }
            }

            var timings = candidates.Where(b => best.ContainsKey(b.Variant)).Select(b => best[b.Variant]).ToList();
            if (timings.Count == 0)
            {
                log.Warning("No CPU build of llama.cpp could be measured; loading LLamaSharp's pick.");
                return new(null, null, "LLamaSharp's pick (measuring failed for every build; measured again next start)");
            }

            var fastest = Fastest(timings);
            var record = new CpuVariantRecord(cpu, stamp, bundled.LlamaBuild, threads, fastest.Variant, candidates[0].Variant, DateTime.UtcNow, timings);
            try
            {
                // Without the lock another process may be writing the file: leave it to that one.
                if (held is not null)
                {
                    cache.Save(record);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                log.Warning($"Cannot save the CPU build measurement in {cache.FilePath} ({ex.Message}); it is measured again next start.");
            }

            var winner = candidates.First(b => b.Variant == fastest.Variant);
            return new(winner.Variant, winner.Directory, record.Describe() + "; measured now") { Measurement = record };
        }
    }

    /// <summary>A file no build could load is not worth a probe per build: the engine's own load says what is wrong.</summary>
    private static string? Unreadable(string path)
    {
        try
        {
            var header = GgufReader.Read(path, new GgufReadOptions { MaxKeptArrayLength = 0, AlwaysKeep = new HashSet<string>() });
            return header.IsComplete ? null : "the model file is truncated";
        }
        catch (Exception ex) when (ex is GgufFormatException or IOException or UnauthorizedAccessException)
        {
            return "the model file does not read as GGUF";
        }
    }

    /// <summary>Times each build, keeping its best timing in <paramref name="best"/>; a build that fails is logged and left out.</summary>
    private async Task TimeAllAsync(IReadOnlyList<CpuBuild> builds, string modelPath, int threads, Dictionary<string, CpuVariantTiming> best, CancellationToken cancellationToken)
    {
        foreach (var build in builds)
        {
            try
            {
                var timing = await timer.TimeAsync(build, modelPath, threads, cancellationToken).ConfigureAwait(false) with { Variant = build.Variant };
                log.Debug($"CPU build {build.Variant}: prefill {timing.PrefillMs:0.0} ms for {timing.PrefillTokens} tokens, decode {timing.DecodeMsPerToken:0.00} ms/token, score {timing.ScoreMs:0.0} ms.");
                if (!best.TryGetValue(build.Variant, out var before) || timing.ScoreMs < before.ScoreMs)
                {
                    best[build.Variant] = timing;
                }
            }
            catch (CpuVariantProbeException ex)
            {
                log.Info($"CPU build {build.Variant} skipped: {ex.Message}");
            }
        }
    }

    private static int IndexOf(string variant) => BundledCpuVariants.Order.ToList().IndexOf(variant);
}
