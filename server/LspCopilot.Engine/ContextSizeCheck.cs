using LLama.Native;
using LspCopilot.Completion;
using LspCopilot.Engine.Models;

namespace LspCopilot.Engine;

/// <summary>
/// Checks an explicit context size before llama.cpp allocates its KV cache: a size past the model's
/// trained context (<c>&lt;arch&gt;.context_length</c>) is refused — llama.cpp would allow it with a
/// warning, but the model's completions fall apart past what it was trained on, and an absurd size
/// would allocate until the machine gives out — and so is a size whose weights and KV cache need more
/// memory than is free (host RAM, plus the GPUs' free memory when layers are offloaded). The message
/// says what was asked, the trained maximum, the memory needed and free, and what to pass instead.
/// </summary>
public static class ContextSizeCheck
{
    /// <summary>Contexts are suggested in steps of this many tokens.</summary>
    private const uint Step = 256;

    /// <summary>Per-layer head counts are small arrays; the token lists are not needed.</summary>
    private static readonly GgufReadOptions s_header = new() { AlwaysKeep = new HashSet<string>() };

    /// <summary>
    /// The options to load with: an explicit <see cref="EngineOptions.ContextSize"/> is checked (throws
    /// <see cref="ModelLoadException"/> when it cannot work); without one, the default context (the trained
    /// one, at most <see cref="EngineOptions.DefaultMaxContext"/>) is chosen here, made smaller when it would
    /// not fit in free memory (said in the log), and refused when not even a small one fits.
    /// </summary>
    public static EngineOptions Resolve(string path, EngineOptions options, ServerLog log)
    {
        ModelFacts model;
        try
        {
            model = ModelFacts.From(path, GgufReader.Read(path, s_header), new FileInfo(path).Length);
        }
        catch (Exception ex) when (ex is GgufFormatException or IOException or UnauthorizedAccessException)
        {
            // Not this check's call: llama.cpp reports what is wrong with the file.
            return options;
        }

        var context = options.ContextSize ?? DefaultFor(model);
        var (available, where) = AvailableMemory(MemoryEstimate.For(model, context, options.KvCacheType).TotalBytes, options, HostMemory.Read().AvailableBytes, GpuOffload, ProbeGpus);
        if (options.ContextSize is not null)
        {
            return Problem(model, options, available, where) is { } problem ? throw new ModelLoadException(problem) : options;
        }

        var chosen = DefaultContext(model, options, available, where, out var warning);
        if (warning is not null)
        {
            log.Warning(warning);
        }

        return options with { ContextSize = chosen };
    }

    /// <summary>The context used when none is given: the trained one, at most <see cref="EngineOptions.DefaultMaxContext"/>.</summary>
    public static uint DefaultFor(ModelFacts model) =>
        (uint)Math.Clamp(model.ContextLength is long n and > 0 ? n : EngineOptions.DefaultMaxContext, 1, EngineOptions.DefaultMaxContext);

    /// <summary>
    /// The context to use when none was given: <see cref="DefaultFor"/>, or less when its weights and KV cache
    /// need more than <paramref name="availableBytes"/> (null: unknown, not checked) — then <paramref name="warning"/>
    /// says so and how to get more. Throws <see cref="ModelLoadException"/> when not even
    /// <see cref="MinimumDefault"/> tokens fit.
    /// </summary>
    public static uint DefaultContext(ModelFacts model, EngineOptions options, long? availableBytes, string where, out string? warning)
    {
        warning = null;
        var preferred = DefaultFor(model);
        if (availableBytes is not long available || MemoryEstimate.For(model, preferred, options.KvCacheType).TotalBytes <= available)
        {
            return preferred;
        }

        var name = Path.GetFileName(model.Path);
        var fits = MostThatFits(model, options.KvCacheType, available);
        var halve = options.KvCacheType == "f16" ? " or add --kv-cache-type q8_0," : string.Empty;
        if (fits < Math.Min(MinimumDefault, preferred))
        {
            throw new ModelLoadException(
                $"{name} does not fit in the memory free now: its weights and a {Math.Min(MinimumDefault, preferred):N0}-token {options.KvCacheType} KV cache need "
                + $"{ByteUnits.Format(MemoryEstimate.For(model, Math.Min(MinimumDefault, preferred), options.KvCacheType).TotalBytes)}, where only {ByteUnits.Format(available)} is free{where}. "
                + "Close other programs, or choose a smaller quantization of the model (lspcopilot doctor shows what fits).");
        }

        warning = $"The default context of {preferred:N0} tokens for {name} needs {ByteUnits.Format(MemoryEstimate.For(model, preferred, options.KvCacheType).TotalBytes)}, "
            + $"where only {ByteUnits.Format(available)} is free{where}: using {fits:N0} tokens instead. To get more, free memory{halve} or pass --context-size to choose.";
        return fits;
    }

    /// <summary>The smallest default context worth loading: less leaves no room for a prompt with code context.</summary>
    public const uint MinimumDefault = 1024;

    /// <summary>
    /// What is wrong with the options' context size for <paramref name="model"/>, or null when it is fine
    /// (or not given). <paramref name="availableBytes"/> is the memory free for it (null: unknown, not checked).
    /// </summary>
    public static string? Problem(ModelFacts model, EngineOptions options, long? availableBytes, string where = "")
    {
        if (options.ContextSize is not uint requested)
        {
            return null;
        }

        var name = Path.GetFileName(model.Path);
        var trained = model.ContextLength is long n and > 0 ? (uint)Math.Min(n, uint.MaxValue) : (uint?)null;
        var need = MemoryEstimate.For(model, requested, options.KvCacheType).TotalBytes;
        var fits = availableBytes is long free ? MostThatFits(model, options.KvCacheType, free) : (uint?)null;
        var asked = $"The context size {requested:N0} tokens (--context-size, or contextSize in initializationOptions)";
        var needed = $"{ByteUnits.Format(need)} of memory for the weights and the {options.KvCacheType} KV cache";
        var shortOfMemory = need > (availableBytes ?? long.MaxValue);

        if (trained is uint max && requested > max)
        {
            var suggestion = fits is uint f && f < max ? f : max;
            var memory = availableBytes switch
            {
                long known when shortOfMemory => $", and it would need {needed}, where only {ByteUnits.Format(known)} is free{where}",
                long known => $" (it would need {needed}; {ByteUnits.Format(known)} is free{where})",
                _ => $" (it would need {needed})",
            };
            return $"{asked} is more than {name} was trained for ({max:N0} tokens): past that its completions fall apart{memory}. "
                + $"Pass --context-size {suggestion} or less, or leave it out to get {Math.Min(max, EngineOptions.DefaultMaxContext):N0} (the trained context, at most {EngineOptions.DefaultMaxContext:N0}).";
        }

        if (availableBytes is long available && need > available)
        {
            var instead = fits is uint most and >= Step
                ? $"Pass --context-size {most} or less (the most that fits now)"
                : "Even a small context does not fit now: close other programs or choose a smaller quantization of the model";
            var halve = options.KvCacheType == "f16" ? ", or add --kv-cache-type q8_0 to halve the KV cache" : string.Empty;
            return $"{asked} needs {needed}, where only {ByteUnits.Format(available)} is free{where}. {instead}{halve}.";
        }

        return null;
    }

    /// <summary>The largest context, in steps of <see cref="Step"/> tokens, whose weights and KV cache fit in <paramref name="availableBytes"/>.</summary>
    private static uint MostThatFits(ModelFacts model, string kvCacheType, long availableBytes)
    {
        var perToken = MemoryEstimate.KvBytes(model.KvElementsPerLayer, Step, kvCacheType) / (double)Step;
        var room = availableBytes - model.WeightBytes;
        if (room <= 0)
        {
            return 0;
        }

        var tokens = perToken <= 0 ? uint.MaxValue : Math.Min(uint.MaxValue, room / perToken);
        return (uint)tokens / Step * Step;
    }

    /// <summary>
    /// Free host RAM (<paramref name="hostFree"/>), plus the GPUs' free memory when layers go to them — asked of
    /// <paramref name="probeGpus"/> (nvidia-smi) only when host RAM alone is short of <paramref name="need"/>.
    /// Unknown (null) where it cannot be told: then nothing is refused or shrunk for memory.
    /// </summary>
    internal static (long? Bytes, string Where) AvailableMemory(long need, EngineOptions options, long? hostFree, Func<bool> gpuOffload, Func<IReadOnlyList<GpuInfo>> probeGpus)
    {
        if (hostFree is not long host)
        {
            return (null, string.Empty);
        }

        if (need <= host || options.GpuLayers == 0 || !gpuOffload())
        {
            return (host, " in host RAM");
        }

        var gpus = probeGpus();
        return gpus.Count == 0 || gpus.Any(g => g.MemoryFreeBytes is null)
            ? (null, string.Empty)
            : (host + gpus.Sum(g => g.MemoryFreeBytes!.Value), " in host RAM and on the GPUs");
    }

    private static IReadOnlyList<GpuInfo> ProbeGpus() =>
        new GpuProbe(timeout: TimeSpan.FromSeconds(5)).ProbeAsync(CancellationToken.None).GetAwaiter().GetResult().Gpus;

    private static bool GpuOffload()
    {
        try
        {
            return NativeApi.llama_supports_gpu_offload();
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException or TypeInitializationException)
        {
            return false;
        }
    }
}
