using System.Globalization;

namespace LspCopilot.Completion;

/// <summary>
/// Parses and checks the engine's hardware options the same way for the command line and for
/// initializationOptions, so a bad value gets the same clear message from either.
/// </summary>
public static class EngineOptionValues
{
    /// <summary>llama.cpp's LLAMA_MAX_DEVICES: the most GPUs a tensor split can name.</summary>
    public const int MaxDevices = 16;

    public static IReadOnlyList<string> SplitModes { get; } = ["none", "layer", "row"];

    /// <summary>The KV cache element types offered (--kv-cache-type).</summary>
    public static IReadOnlyList<string> KvCacheTypeNames { get; } = ["f16", "q8_0", "q4_0"];

    /// <summary>The bundled CPU builds of llama.cpp (--cpu-variant), widest instruction set first, after auto.</summary>
    public static IReadOnlyList<string> CpuVariantNames { get; } = ["auto", "avx512", "avx2", "avx", "noavx"];

    /// <summary>A layer count, or "all" (-1: every layer and the output head).</summary>
    public static bool TryParseGpuLayers(string? text, out int layers, out string? error)
    {
        layers = -1;
        error = null;
        var value = text?.Trim().ToLowerInvariant();
        if (value is "all" or "max" or "-1")
        {
            return true;
        }

        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out layers))
        {
            return true;
        }

        error = $"--gpu-layers '{text}' is not a layer count: use a number (0 = CPU only) or 'all'.";
        return false;
    }

    /// <summary>Proportions per GPU, e.g. "2,1" for a 16 GB card then an 8 GB card.</summary>
    public static bool TryParseTensorSplit(string? text, out float[] split, out string? error)
    {
        split = [];
        error = null;
        var parts = (text ?? string.Empty).Split([',', ':', '/'], StringSplitOptions.TrimEntries);
        var values = new List<float>();
        foreach (var part in parts)
        {
            if (!float.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !float.IsFinite(v) || v < 0)
            {
                error = $"--tensor-split '{text}' is not a list of proportions: use non-negative numbers per GPU, e.g. 2,1.";
                return false;
            }

            values.Add(v);
        }

        if (values.Count > MaxDevices)
        {
            error = $"--tensor-split names {values.Count} GPUs; llama.cpp supports at most {MaxDevices}.";
            return false;
        }

        if (!values.Any(v => v > 0))
        {
            error = $"--tensor-split '{text}' gives every GPU a zero share; at least one must be above zero.";
            return false;
        }

        split = [.. values];
        return true;
    }

    public static bool TryNormalizeSplitMode(string? text, out string mode, out string? error)
    {
        mode = text?.Trim().ToLowerInvariant() ?? string.Empty;
        error = SplitModes.Contains(mode) ? null : $"--split-mode '{text}' is unknown: use none, layer or row.";
        return error is null;
    }

    public static bool TryNormalizeKvCacheType(string? text, out string type, out string? error)
    {
        type = text?.Trim().ToLowerInvariant() ?? string.Empty;
        error = KvCacheTypeNames.Contains(type) ? null : $"--kv-cache-type '{text}' is unknown: use f16, q8_0 or q4_0.";
        return error is null;
    }

    /// <summary>The FIM orders offered (--fim-order): the model's own, prefix-suffix-middle, suffix-prefix-middle.</summary>
    public static IReadOnlyList<string> FimOrderNames { get; } = ["auto", "psm", "spm"];

    public static bool TryNormalizeFimOrder(string? text, out string order, out string? error)
    {
        order = text?.Trim().ToLowerInvariant() ?? string.Empty;
        error = FimOrderNames.Contains(order) ? null : $"--fim-order '{text}' is unknown: use {string.Join(", ", FimOrderNames)}.";
        return error is null;
    }

    /// <summary>The chat layouts always offered (--chat-template); any llama.cpp built-in template name is accepted too, and checked when the model loads.</summary>
    public static IReadOnlyList<string> ChatTemplateKeywords { get; } = ["auto", "plain"];

    /// <summary>
    /// A chat template name: auto, plain, or a llama.cpp built-in template name (letters, digits, '.', '_', '-'). Which
    /// names exist depends on the llama.cpp build, so the engine checks the name against it when it loads.
    /// </summary>
    public static bool TryNormalizeChatTemplate(string? text, out string name, out string? error)
    {
        name = text?.Trim().ToLowerInvariant() ?? string.Empty;
        var valid = name.Length is > 0 and <= 64 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');
        error = valid ? null : $"--chat-template '{text}' is not a template name: use auto, plain, or one of llama.cpp's built-in templates (chatml, llama3, gemma, phi3, mistral-v7, …).";
        return valid;
    }

    public static bool TryNormalizeCpuVariant(string? text, out string variant, out string? error)
    {
        variant = text?.Trim().ToLowerInvariant() ?? string.Empty;
        error = CpuVariantNames.Contains(variant) ? null : $"--cpu-variant '{text}' is unknown: use {string.Join(", ", CpuVariantNames)}.";
        return error is null;
    }

    /// <summary>How greedy completions speculate (--speculation).</summary>
    public static IReadOnlyList<string> SpeculationNames { get; } = ["auto", "lookup", "draft", "off"];

    public static bool TryNormalizeSpeculation(string? text, out string mode, out string? error)
    {
        mode = text?.Trim().ToLowerInvariant() ?? string.Empty;
        error = SpeculationNames.Contains(mode) ? null : $"--speculation '{text}' is unknown: use {string.Join(", ", SpeculationNames)}.";
        return error is null;
    }

    /// <summary>Problems with a combination of options that llama.cpp would reject or silently ignore.</summary>
    public static IReadOnlyList<string> Check(EngineOptions options)
    {
        var problems = new List<string>();
        if (options.KvCacheType != "f16" && options.FlashAttention == false)
        {
            problems.Add($"--kv-cache-type {options.KvCacheType} needs flash attention (llama.cpp quantizes the V cache only with it): drop --flash-attention false or use f16.");
        }

        if (options.TensorSplit is { Count: > 1 } && options.SplitMode == "none")
        {
            problems.Add("--tensor-split has no effect with --split-mode none (one GPU holds everything): add --split-mode layer.");
        }

        if (options.MainGpu is < 0 or >= MaxDevices)
        {
            problems.Add($"--main-gpu {options.MainGpu} is out of range: GPUs are numbered 0 to {MaxDevices - 1}.");
        }

        if (options.Speculation == "draft" && options.DraftModelPath is null)
        {
            problems.Add("--speculation draft needs --draft-model PATH: name a small model of the same family, or use --speculation auto.");
        }

        if (options.ContextSize is 0)
        {
            problems.Add("--context-size must be at least 1 token.");
        }

        return problems;
    }
}
