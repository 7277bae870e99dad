using System.Text;

namespace LspCopilot.Completion;

/// <summary>
/// A model family's fill-in-the-middle markers as text, for servers that take a prompt string (the <c>openai</c> and
/// <c>ollama</c> backends, and llama-server's <c>/completion</c>): the server parses the marker texts into their
/// control tokens. <see cref="Layout"/> is the same <see cref="FimLayout"/> order the local engine builds token prompts
/// from, so both put the pieces in the same places.
/// </summary>
public sealed record FimTextTemplate(string Name, FimOrder Order, string Prefix, string Suffix, string? Middle)
{
    /// <summary>The order of the pieces (no token ids: the server knows them).</summary>
    public FimLayout Layout => new(Name, Order, null, null, null);

    public bool HasFim => Order != FimOrder.None;

    /// <summary>The marker texts, which a model should never write (a suggestion is cut where one appears).</summary>
    public IEnumerable<string> Markers => new[] { Prefix, Suffix, Middle }.Where(m => !string.IsNullOrWhiteSpace(m)).Select(m => m!.Trim());

    /// <summary>The prompt: context and prefix, suffix and markers in this family's order.</summary>
    public string Render(string? context, string prefix, string suffix)
    {
        var text = new StringBuilder(prefix.Length + suffix.Length + (context?.Length ?? 0) + 64);
        foreach (var part in Layout.Parts)
        {
            text.Append(part switch
            {
                FimPart.Context => context,
                FimPart.Prefix => prefix,
                FimPart.Suffix => suffix,
                FimPart.PrefixMarker => Prefix,
                FimPart.SuffixMarker => Suffix,
                FimPart.MiddleMarker => Middle,
                _ => null,
            });
        }

        return text.ToString();
    }
}

/// <summary>
/// The FIM templates a prompt can be rendered with (<c>--fim-template</c>), and the guess from a model's name. The
/// spellings are the families' own (the local engine finds the same ones among a GGUF's tokens).
/// </summary>
public static class FimTextTemplates
{
    public static FimTextTemplate Qwen { get; } = new("qwen", FimOrder.PrefixSuffixMiddle, "<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>");

    public static FimTextTemplate CodeGemma { get; } = Qwen with { Name = "codegemma" };

    /// <summary>Code Llama's markers carry spaces: "&lt;PRE&gt; prefix &lt;SUF&gt;suffix &lt;MID&gt;".</summary>
    public static FimTextTemplate CodeLlama { get; } = new("codellama", FimOrder.PrefixSuffixMiddle, "<PRE> ", " <SUF>", " <MID>");

    public static FimTextTemplate DeepSeek { get; } = new("deepseek", FimOrder.PrefixSuffixMiddle, "<｜fim▁begin｜>", "<｜fim▁hole｜>", "<｜fim▁end｜>");

    /// <summary>StarCoder, StarCoder2 and Granite Code.</summary>
    public static FimTextTemplate StarCoder { get; } = new("starcoder", FimOrder.PrefixSuffixMiddle, "<fim_prefix>", "<fim_suffix>", "<fim_middle>");

    /// <summary>Codestral puts the suffix first and has no middle marker: [SUFFIX]s[PREFIX]p.</summary>
    public static FimTextTemplate Codestral { get; } = new("codestral", FimOrder.SuffixPrefixMiddle, "[PREFIX]", "[SUFFIX]", null);

    public static FimTextTemplate SantaCoder { get; } = new("santacoder", FimOrder.PrefixSuffixMiddle, "<fim-prefix>", "<fim-suffix>", "<fim-middle>");

    public static FimTextTemplate Glm4 { get; } = new("glm4", FimOrder.PrefixSuffixMiddle, "<|code_prefix|>", "<|code_suffix|>", "<|code_middle|>");

    /// <summary>No markers: the prompt is the context and the prefix (a model without FIM continues the text).</summary>
    public static FimTextTemplate None { get; } = new("none", FimOrder.None, string.Empty, string.Empty, null);

    private static readonly FimTextTemplate[] s_all = [Qwen, CodeGemma, CodeLlama, DeepSeek, StarCoder, Codestral, SantaCoder, Glm4, None];

    /// <summary>Other spellings of the names (the local engine's template names among them).</summary>
    private static readonly Dictionary<string, FimTextTemplate> s_aliases = new(StringComparer.OrdinalIgnoreCase)
    {
        ["qwen2.5-coder"] = Qwen,
        ["qwen-coder"] = Qwen,
        ["deepseek-coder"] = DeepSeek,
        ["starcoder2"] = StarCoder,
        ["granite"] = StarCoder,
        ["granite-code"] = StarCoder,
        ["mistral"] = Codestral,
        ["prefix-only"] = None,
        ["off"] = None,
    };

    public static IReadOnlyList<string> Names { get; } = [.. s_all.Select(t => t.Name)];

    /// <summary>The template called <paramref name="name"/> (or one of its other spellings); null when unknown.</summary>
    public static FimTextTemplate? Find(string? name)
    {
        var key = name?.Trim() ?? string.Empty;
        return s_all.FirstOrDefault(t => t.Name.Equals(key, StringComparison.OrdinalIgnoreCase)) ?? s_aliases.GetValueOrDefault(key);
    }

    /// <summary>
    /// The template a model's name suggests (e.g. "Qwen/Qwen2.5-Coder-7B", "qwen2.5-coder:7b-base",
    /// "codellama-13b.Q4_K_M.gguf"); null when the name says nothing (then ask for <c>--fim-template</c>).
    /// </summary>
    public static FimTextTemplate? Detect(string? modelName)
    {
        var name = (modelName ?? string.Empty).ToLowerInvariant();
        bool Has(string part) => name.Contains(part, StringComparison.Ordinal);
        return name switch
        {
            _ when Has("codestral") => Codestral,
            _ when Has("codegemma") => CodeGemma,
            _ when Has("qwen") && Has("coder") => Qwen,
            _ when Has("codellama") || Has("code-llama") || Has("code_llama") => CodeLlama,
            _ when Has("deepseek") && Has("coder") => DeepSeek,
            _ when Has("starcoder") || (Has("granite") && Has("code")) || Has("stable-code") || Has("stablecode") => StarCoder,
            _ when Has("santacoder") => SantaCoder,
            _ when Has("codegeex4") => Glm4,
            _ => null,
        };
    }
}
