namespace LspCopilot.Engine.Models;

/// <summary>What the GGUF reader keeps in memory; everything else is skipped while streaming.</summary>
public sealed record GgufReadOptions
{
    /// <summary>Arrays with more elements than this are skipped (count kept), unless named in <see cref="AlwaysKeep"/>.</summary>
    public int MaxKeptArrayLength { get; init; } = 4096;

    /// <summary>Arrays kept whatever their length: the token texts and types that FIM detection needs.</summary>
    public IReadOnlySet<string> AlwaysKeep { get; init; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "tokenizer.ggml.tokens",
        "tokenizer.ggml.token_type",
    };

    /// <summary>Keeps every array (for tools that rewrite a file).</summary>
    public static GgufReadOptions Everything { get; } = new() { MaxKeptArrayLength = int.MaxValue };
}
