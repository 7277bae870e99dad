using LspCopilot.Completion;

namespace LspCopilot.Backends.Prompting;

/// <summary>
/// Cuts a request's prefix, suffix and context to what the server's context holds, in text (the server tokenizes),
/// always at line boundaries (<see cref="LineWindow"/>). The budget is the local engine's, <see cref="PromptBudget"/>:
/// room to generate first (at most a quarter of the context), then the suffix's head, the context's head in whole
/// lines (the Roslyn context is fitted to the same cap), and the prefix's tail (at most <see cref="GenerationOptions.PrefixTokens"/>).
/// Tokens are converted to characters with a ratio learned from the server's own counts (<c>/tokenize</c>, or the
/// prompt tokens a server reports with each answer), 3 characters a token until then, less a 15% margin. The prefix
/// window starts on a line that moves in steps of <see cref="LineStep"/> lines, so successive keystrokes send prompts
/// with a long common prefix and the server's prompt cache (llama-server's <c>cache_prompt</c>) reuses it.
/// </summary>
internal sealed class PromptWindow
{
    internal const int LineStep = LineWindow.LineStep;

    /// <summary>When one block of lines is still too long, the start moves in steps of this many characters.</summary>
    internal const int CharStep = 512;

    /// <summary>Tokens kept free for the FIM markers, BOS and the like.</summary>
    internal const int MarkerTokens = 16;

    internal const double StartingRatio = 3.0;
    private const double Margin = 0.85;

    private readonly object _lock = new();
    private double _charsPerToken = StartingRatio;

    /// <summary>Characters per token, as measured on this server's answers so far.</summary>
    public double CharsPerToken
    {
        get
        {
            lock (_lock)
            {
                return _charsPerToken;
            }
        }
    }

    private double Ratio => CharsPerToken * Margin;

    /// <summary>Takes a measurement: <paramref name="chars"/> characters were <paramref name="tokens"/> tokens.</summary>
    public void Learn(int chars, int tokens)
    {
        if (chars < 64 || tokens <= 0)
        {
            return;
        }

        var measured = Math.Clamp((double)chars / tokens, 1.0, 8.0);
        lock (_lock)
        {
            // Quick to learn that text is denser than thought, slow to trust that it is sparser.
            _charsPerToken = measured < _charsPerToken ? measured : (0.8 * _charsPerToken) + (0.2 * measured);
        }
    }

    /// <summary>The tokens a prompt of <paramref name="prompt"/> is estimated at (an overestimate, by the margin).</summary>
    public int Estimate(FittedPrompt prompt) => (int)Math.Ceiling(prompt.Chars / Ratio) + MarkerTokens;

    /// <summary>Prompt tokens this request may use in a context of <paramref name="contextSize"/> tokens (<see cref="PromptBudget"/>'s window, less <see cref="MarkerTokens"/>).</summary>
    public static int Available(GenerationOptions generation, int contextSize) =>
        Math.Max(16, PromptBudget.For(generation, contextSize, withSuffix: true).Window - MarkerTokens);

    /// <summary>The request's texts cut to the context, in whole lines; <paramref name="shrink"/> (0..1] asks for less after a server said it was too long.</summary>
    public FittedPrompt Fit(CompletionRequest request, int contextSize, bool withSuffix, double shrink = 1.0)
    {
        var generation = request.Generation;
        var ratio = Ratio;
        var budget = PromptBudget.ForWindow(generation, Math.Max(16, (int)(Available(generation, contextSize) * shrink)), withSuffix, contextSize);
        int Tokens(string text) => (int)Math.Ceiling(text.Length / ratio);
        int Chars(int tokens) => (int)(Math.Max(0, tokens) * ratio);

        var suffix = withSuffix ? TakeHead(request.Suffix, Chars(budget.Suffix)) : string.Empty;
        var context = TakeHead(request.Context ?? string.Empty, Chars(budget.Context));
        var prefix = TakeTail(request.Prefix, Chars(budget.PrefixFor(Tokens(suffix), Tokens(context))));
        return new FittedPrompt(context, prefix, suffix);
    }

    /// <summary>
    /// The end of <paramref name="text"/> in at most <paramref name="maxChars"/> characters, starting on a line chosen by
    /// <see cref="LineWindow.TailStart"/> (a multiple of <see cref="LineStep"/> while one fits), so the start stays put while
    /// the user types at the end. Only a last line longer than <paramref name="maxChars"/> is cut inside, at a multiple of
    /// <see cref="CharStep"/> characters from its start.
    /// </summary>
    internal static string TakeTail(string text, int maxChars)
    {
        if (text.Length <= maxChars)
        {
            return text;
        }

        if (maxChars <= 0)
        {
            return string.Empty;
        }

        var start = LineWindow.TailStart(text, maxChars, s => s.Length, 1);
        if (start < text.Length)
        {
            return text[start..];
        }

        var lastLine = text.Length < 2 ? 0 : text.LastIndexOf('\n', text.Length - 2) + 1;
        start = lastLine + ((text.Length - lastLine - maxChars + CharStep - 1) / CharStep * CharStep);
        start = Math.Min(start, text.Length);
        if (start < text.Length && char.IsLowSurrogate(text[start]))
        {
            start++;
        }

        return text[start..];
    }

    /// <summary>The start of <paramref name="text"/> in at most <paramref name="maxChars"/> characters, in whole lines; empty when the first line is longer.</summary>
    internal static string TakeHead(string text, int maxChars) =>
        text.Length <= maxChars ? text : text[..LineWindow.HeadEnd(text, maxChars, s => s.Length, 1)];
}
