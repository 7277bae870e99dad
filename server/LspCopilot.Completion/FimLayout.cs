namespace LspCopilot.Completion;

public enum FimOrder
{
    /// <summary>No fill-in-the-middle tokens: the prompt is the prefix only.</summary>
    None,

    /// <summary>prefix-suffix-middle: PRE p SUF s MID (Qwen, StarCoder, CodeLlama, DeepSeek…).</summary>
    PrefixSuffixMiddle,

    /// <summary>suffix-prefix-middle: SUF s PRE p (Codestral), so the suffix stays cached while typing.</summary>
    SuffixPrefixMiddle,
}

/// <summary>Where the cursor's surroundings go in the prompt and which control tokens frame them.</summary>
public sealed record FimLayout(string Template, FimOrder Order, int? PrefixToken, int? SuffixToken, int? MiddleToken)
{
    public static FimLayout PrefixOnly { get; } = new("prefix-only", FimOrder.None, null, null, null);

    public bool HasFim => Order != FimOrder.None;
}
