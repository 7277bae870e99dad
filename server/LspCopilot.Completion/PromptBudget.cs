namespace LspCopilot.Completion;

/// <summary>
/// How many tokens each part of a completion prompt may take in a context of <see cref="ContextSize"/> tokens: one
/// rule for the local engine (<c>PromptBuilder</c>), the model servers (<c>PromptWindow</c>), the Roslyn context
/// (fitted to <see cref="Context"/> so the engine never cuts it) and <c>lspcopilot context</c>. Room to generate is
/// kept free first (at most a quarter of the context) with <see cref="MarkerTokens"/> for BOS and the FIM markers;
/// of the <see cref="Window"/> left, the suffix may take its head (<see cref="Suffix"/>: at most
/// <see cref="GenerationOptions.SuffixTokens"/> and a quarter), the context half of what the suffix may leave, and the
/// prefix what the other two left (<see cref="PrefixFor"/>). The caps of suffix and context do not depend on the
/// text, so the context can be fitted before the prompt is built; together the parts never exceed the window.
/// </summary>
public sealed record PromptBudget(int ContextSize, int Window, int Suffix, int Context, int PrefixTokens)
{
    /// <summary>Tokens kept for BOS and the FIM markers (four at most).</summary>
    public const int MarkerTokens = 8;

    /// <summary>The prefix's share moves in steps of this many tokens, so small changes of the context's length do not move the prefix window.</summary>
    public const int PrefixStep = 32;

    /// <summary>The smallest context a prompt is built for: below it, room to generate and the markers leave no window worth the name.</summary>
    public const int MinContextSize = 64;

    /// <param name="withSuffix">Whether the prompt carries the suffix (the model has FIM tokens, or the server takes a suffix).</param>
    public static PromptBudget For(GenerationOptions generation, int contextSize, bool withSuffix)
    {
        var size = Math.Max(0, contextSize);
        var reserved = Math.Min(Math.Max(0, generation.MaxTokens), size / 4) + MarkerTokens;
        return ForWindow(generation, size - reserved, withSuffix, size);
    }

    /// <summary>The split of a prompt window of <paramref name="window"/> tokens (room to generate already taken off).</summary>
    public static PromptBudget ForWindow(GenerationOptions generation, int window, bool withSuffix, int contextSize)
    {
        window = Math.Max(0, window);
        var suffix = withSuffix ? Math.Clamp(generation.SuffixTokens, 0, window / 4) : 0;
        var context = (window - suffix) / 2;
        return new PromptBudget(contextSize, window, suffix, context, Math.Max(0, generation.PrefixTokens));
    }

    /// <summary>
    /// The prefix's budget once the suffix and the context took <paramref name="suffixTokens"/> and
    /// <paramref name="contextTokens"/>: what they left, up to <see cref="GenerationOptions.PrefixTokens"/>, rounded
    /// down to <see cref="PrefixStep"/> when what is left is the limit.
    /// </summary>
    public int PrefixFor(int suffixTokens, int contextTokens)
    {
        var left = Math.Max(0, Window - Math.Max(0, suffixTokens) - Math.Max(0, contextTokens));
        if (left >= PrefixTokens)
        {
            return PrefixTokens;
        }

        return left >= PrefixStep ? left / PrefixStep * PrefixStep : left;
    }
}
