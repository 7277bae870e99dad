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

    /// <summary>Throws <see cref="ModelLoadException"/> when <see cref="EngineOptions.ContextSize"/> cannot work for the model at <paramref name="path"/>.</summary>
    public static void Validate(string path, EngineOptions options)
    {
        if (options.ContextSize is not uint requested)
        {
            return;
        }

        ModelFacts model;
        try
        {
            model = ModelFacts.From(path, GgufReader.Read(path, s_header), new FileInfo(path).Length);
        }
        catch (Exception ex) when (ex is GgufFormatException or IOException or UnauthorizedAccessException)
        {
            // Not this check's call: llama.cpp reports what is wrong with the file.
            return;
        }

        var (available, where) = AvailableMemory(MemoryEstimate.For(model, requested, options.KvCacheType).TotalBytes, options);
        if (Problem(model, options, available, where) is { } problem)
        {
            throw new ModelLoadException(problem);
        }
    }

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
    /// Free host RAM, plus the GPUs' free memory when layers go to them — asked of nvidia-smi only when
    /// host RAM alone is short. Unknown (null) where it cannot be told: then nothing is refused for memory.
    /// </summary>
    private static (long? Bytes, string Where) AvailableMemory(long need, EngineOptions options)
    {
        if (HostMemory.Read().AvailableBytes is not long host)
        {
            return (null, string.Empty);
        }

        if (need <= host || options.GpuLayers == 0 || !GpuOffload())
        {
            return (host, " in host RAM");
        }

        var gpus = new GpuProbe(timeout: TimeSpan.FromSeconds(5)).ProbeAsync(CancellationToken.None).GetAwaiter().GetResult().Gpus;
        return gpus.Count == 0 || gpus.Any(g => g.MemoryFreeBytes is null)
            ? (null, string.Empty)
            : (host + gpus.Sum(g => g.MemoryFreeBytes!.Value), " in host RAM and on the GPUs");
    }

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
