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

/// <summary>One piece of a FIM prompt, in the order <see cref="FimLayout.Parts"/> lays them out.</summary>
public enum FimPart
{
    /// <summary>
    /// Retrieved context (signatures, members…): directly before the prefix, or, for a model with repository-level tokens
    /// (<see cref="FimLayout.Repo"/>), first of all, as other files before the FIM block.
    /// </summary>
    Context,

    /// <summary>The text before the cursor.</summary>
    Prefix,

    /// <summary>The text after the cursor.</summary>
    Suffix,

    PrefixMarker,
    SuffixMarker,

    /// <summary>Absent in some families (Codestral): then the part is skipped.</summary>
    MiddleMarker,
}

/// <summary>
/// Where the cursor's surroundings go in the prompt and which control tokens frame them. The order
/// of the pieces is decided here only: the engine builds prompts from <see cref="Parts"/> and the
/// tools that take a prompt apart walk the same list.
/// </summary>
public sealed record FimLayout(string Template, FimOrder Order, int? PrefixToken, int? SuffixToken, int? MiddleToken)
{
    private static readonly FimPart[] s_prefixOnly = [FimPart.Context, FimPart.Prefix];
    private static readonly FimPart[] s_prefixSuffixMiddle =
        [FimPart.PrefixMarker, FimPart.Context, FimPart.Prefix, FimPart.SuffixMarker, FimPart.Suffix, FimPart.MiddleMarker];
    private static readonly FimPart[] s_suffixPrefixMiddle =
        [FimPart.SuffixMarker, FimPart.Suffix, FimPart.PrefixMarker, FimPart.Context, FimPart.Prefix, FimPart.MiddleMarker];
    private static readonly FimPart[] s_filesPrefixSuffixMiddle =
        [FimPart.Context, FimPart.PrefixMarker, FimPart.Prefix, FimPart.SuffixMarker, FimPart.Suffix, FimPart.MiddleMarker];
    private static readonly FimPart[] s_filesSuffixPrefixMiddle =
        [FimPart.Context, FimPart.SuffixMarker, FimPart.Suffix, FimPart.PrefixMarker, FimPart.Prefix, FimPart.MiddleMarker];

    public static FimLayout PrefixOnly { get; } = new("prefix-only", FimOrder.None, null, null, null);

    public bool HasFim => Order != FimOrder.None;

    /// <summary>
    /// The model's repository-level tokens when it has them and its family was trained with them (the context is then
    /// written as other files, <see cref="RepoLayout"/>); null: the context is written as comments.
    /// </summary>
    public RepoLayout? Repo { get; init; }

    /// <summary>How the context is written into this model's prompts, as reports print it.</summary>
    public string ContextLayoutName => Repo?.Description ?? "comment blocks";

    /// <summary>The pieces of a prompt in this layout's order. Markers without a token (see <see cref="Marker"/>) are left out by whoever renders them.</summary>
    public IReadOnlyList<FimPart> Parts => (Order, Repo) switch
    {
        (FimOrder.PrefixSuffixMiddle, null) => s_prefixSuffixMiddle,
        (FimOrder.PrefixSuffixMiddle, _) => s_filesPrefixSuffixMiddle,
        (FimOrder.SuffixPrefixMiddle, null) => s_suffixPrefixMiddle,
        (FimOrder.SuffixPrefixMiddle, _) => s_filesSuffixPrefixMiddle,
        _ => s_prefixOnly,
    };

    /// <summary>The control token of a marker part; null for text parts and for a marker this family lacks.</summary>
    public int? Marker(FimPart part) => part switch
    {
        FimPart.PrefixMarker => PrefixToken,
        FimPart.SuffixMarker => SuffixToken,
        FimPart.MiddleMarker => MiddleToken,
        _ => null,
    };

    /// <summary>
    /// This layout in the order <paramref name="fimOrder"/> asks for (auto, psm, spm; see
    /// <see cref="EngineOptions.FimOrder"/>): possible only with prefix, suffix and middle tokens (Codestral, which has
    /// no middle token, is suffix-first only); otherwise, and for auto, the family's own order.
    /// </summary>
    public FimLayout WithOrder(string? fimOrder) => fimOrder switch
    {
        _ when PrefixToken is null || SuffixToken is null || MiddleToken is null => this,
        "psm" => this with { Order = FimOrder.PrefixSuffixMiddle },
        "spm" => this with { Order = FimOrder.SuffixPrefixMiddle },
        _ => this,
    };

    /// <summary>The name of the order, as reports print it.</summary>
    public string OrderName => Order switch
    {
        FimOrder.PrefixSuffixMiddle => "prefix-suffix-middle",
        FimOrder.SuffixPrefixMiddle => "suffix-prefix-middle",
        _ => "prefix-only",
    };
}
