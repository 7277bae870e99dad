using LLama.Native;
using LspCopilot.Completion;

namespace LspCopilot.Engine;

/// <summary>
/// Turns a request into prompt tokens in the model's FIM layout, within the context's budget.
/// The prefix window starts on a line that only moves in steps of <see cref="LineStep"/> lines, so
/// successive keystrokes produce prompts that share a long token prefix (and reuse the KV cache).
/// </summary>
internal sealed class PromptBuilder(Func<string, LLamaToken[]> tokenizeText, FimLayout fim, LLamaToken? bos)
{
    internal const int LineStep = 16;

    /// <summary>
    /// The last texts tokenized, with their tokens: a keystroke changes the prefix, while the suffix and the
    /// context window usually come back exactly as they were and are not tokenized again.
    /// </summary>
    private readonly (string Text, LLamaToken[] Tokens)?[] _recent = new (string, LLamaToken[])?[4];
    private int _next;
    internal const int TokenStep = 128;
    private const int CharsPerTokenBound = 6;

    public List<LLamaToken> Build(CompletionRequest request, int contextSize)
    {
        var generation = request.Generation;
        // Room to generate, but never more than a quarter of the context: a long budget must not starve the prompt.
        var reserved = Math.Min(generation.MaxTokens, contextSize / 4) + 8;
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

        foreach (var part in fim.Parts)
        {
            switch (part)
            {
                case FimPart.Context:
                    tokens.AddRange(context);
                    break;
                case FimPart.Prefix:
                    tokens.AddRange(prefix);
                    break;
                case FimPart.Suffix:
                    tokens.AddRange(suffix);
                    break;
                default:
                    if (fim.Marker(part) is int marker)
                    {
                        tokens.Add(marker);
                    }

                    break;
            }
        }

        return tokens;
    }

    /// <summary>
    /// The end of <paramref name="text"/> in at most <paramref name="budget"/> tokens. The window starts on
    /// a line number that is a multiple of <see cref="LineStep"/>; if that is still too long, whole blocks of
    /// <see cref="TokenStep"/> leading tokens are dropped. Both cuts stay put while the user types at the end.
    /// </summary>
    internal LLamaToken[] TakeTail(string text, int budget)
    {
        if (text.Length == 0 || budget <= 0)
        {
            return [];
        }

        // The last step-aligned line that still leaves at least maxChars of text: enough for the budget
        // (a token is rarely more than CharsPerTokenBound chars), without tokenizing the whole file.
        var maxChars = (long)budget * CharsPerTokenBound;
        var start = 0;
        var line = 0;
        for (var i = 0; i < text.Length && text.Length - (i + 1) >= maxChars; i++)
        {
            if (text[i] == '\n' && ++line % LineStep == 0)
            {
                start = i + 1;
            }
        }

        var tokens = Tokenize(text[start..]);
        if (tokens.Length <= budget)
        {
            return tokens;
        }

        var drop = (tokens.Length - budget + TokenStep - 1) / TokenStep * TokenStep;
        return tokens[Math.Min(drop, tokens.Length)..];
    }

    /// <summary>The tokens of <paramref name="text"/>: remembered when the same text came in one of the last few calls.</summary>
    private LLamaToken[] Tokenize(string text)
    {
        lock (_recent)
        {
            foreach (var entry in _recent)
            {
                if (entry is { } known && string.Equals(known.Text, text, StringComparison.Ordinal))
                {
                    return known.Tokens;
                }
            }
        }

        var tokens = tokenizeText(text);
        lock (_recent)
        {
            _recent[_next] = (text, tokens);
            _next = (_next + 1) % _recent.Length;
        }

        return tokens;
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
        var tokens = Tokenize(window);
        return tokens.Length <= budget ? tokens : tokens[..budget];
    }
}
