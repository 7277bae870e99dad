using LLama.Native;

namespace LspCopilot.Server.Inference;

/// <summary>
/// Turns a request into prompt tokens in the model's FIM layout, within the context's budget.
/// The prefix window starts on a line that only moves in steps of <see cref="LineStep"/> lines, so
/// successive keystrokes produce prompts that share a long token prefix (and reuse the KV cache).
/// </summary>
internal sealed class PromptBuilder(Func<string, LLamaToken[]> tokenize, FimLayout fim, LLamaToken? bos)
{
    internal const int LineStep = 16;
    private const int CharsPerTokenBound = 6;

    public List<LLamaToken> Build(CompletionRequest request, int contextSize)
    {
        var generation = request.Generation;
        var reserved = generation.MaxTokens + 8;
        var available = Math.Max(16, contextSize - reserved);

        var suffix = fim.HasFim ? TakeHead(request.Suffix, Math.Min(generation.SuffixTokens, available / 4)) : [];
        var context = string.IsNullOrEmpty(request.Context) ? [] : TakeHead(request.Context, Math.Max(0, (available - suffix.Length) / 2));
        var prefixBudget = Math.Max(8, Math.Min(generation.PrefixTokens, available - suffix.Length - context.Length));
        var prefix = TakeTail(request.Prefix, prefixBudget);

        var tokens = new List<LLamaToken>(prefix.Length + suffix.Length + context.Length + 4);
        if (bos is { } b)
        {
            tokens.Add(b);
        }

        switch (fim.Order)
        {
            case FimOrder.PrefixSuffixMiddle:
                tokens.Add(fim.PrefixToken!.Value);
                tokens.AddRange(context);
                tokens.AddRange(prefix);
                tokens.Add(fim.SuffixToken!.Value);
                tokens.AddRange(suffix);
                tokens.Add(fim.MiddleToken!.Value);
                break;
            case FimOrder.SuffixPrefixMiddle:
                tokens.Add(fim.SuffixToken!.Value);
                tokens.AddRange(suffix);
                tokens.Add(fim.PrefixToken!.Value);
                tokens.AddRange(context);
                tokens.AddRange(prefix);
                if (fim.MiddleToken is int middle)
                {
                    tokens.Add(middle);
                }

                break;
            default:
                tokens.AddRange(context);
                tokens.AddRange(prefix);
                break;
        }

        return tokens;
    }

    /// <summary>The end of <paramref name="text"/> in at most <paramref name="budget"/> tokens, starting on a stable line.</summary>
    internal LLamaToken[] TakeTail(string text, int budget)
    {
        if (text.Length == 0 || budget <= 0)
        {
            return [];
        }

        var lineStarts = new List<int> { 0 };
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\n' && i + 1 < text.Length)
            {
                lineStarts.Add(i + 1);
            }
        }

        // First candidate: the earliest step-aligned line whose rest could fit the budget.
        var maxChars = (long)budget * CharsPerTokenBound;
        var line = 0;
        while (line < lineStarts.Count - 1 && text.Length - lineStarts[line] > maxChars)
        {
            line += LineStep;
        }

        while (line < lineStarts.Count)
        {
            var tokens = tokenize(text[lineStarts[line]..]);
            if (tokens.Length <= budget)
            {
                return tokens;
            }

            if (line + LineStep >= lineStarts.Count)
            {
                return tokens[^budget..];
            }

            line += LineStep;
        }

        var last = tokenize(text[lineStarts[^1]..]);
        return last.Length <= budget ? last : last[^budget..];
    }

    /// <summary>The start of <paramref name="text"/> in at most <paramref name="budget"/> tokens.</summary>
    internal LLamaToken[] TakeHead(string text, int budget)
    {
        if (text.Length == 0 || budget <= 0)
        {
            return [];
        }

        var maxChars = (int)Math.Min(text.Length, (long)budget * CharsPerTokenBound);
        var cut = maxChars < text.Length ? text.LastIndexOf('\n', maxChars - 1) : -1;
        var window = cut > 0 ? text[..(cut + 1)] : text[..maxChars];
        var tokens = tokenize(window);
        return tokens.Length <= budget ? tokens : tokens[..budget];
    }
}
