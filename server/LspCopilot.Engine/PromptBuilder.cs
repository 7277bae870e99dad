using LLama.Native;
using LspCopilot.Completion;

namespace LspCopilot.Engine;

/// <summary>
/// The token pieces of a completion prompt, before the FIM markers frame them (BOS not included), and the head of the
/// request's context that <see cref="Context"/> holds (whole lines; null when not known).
/// </summary>
public sealed record PromptParts(IReadOnlyList<int> Context, IReadOnlyList<int> Prefix, IReadOnlyList<int> Suffix, string? ContextText = null);

/// <summary>
/// Turns a request into prompt tokens in the model's FIM layout, within <see cref="PromptBudget"/>. Every piece is
/// cut at line boundaries (<see cref="LineWindow"/>): the context keeps whole lines from its head (the Roslyn context
/// is fitted to the same budget, so this only matters for a client that sends more), the suffix its head, the
/// prefix its tail from a line that moves only in steps of <see cref="LineWindow.LineStep"/> lines, so successive
/// keystrokes produce prompts that share a long token prefix (and reuse the KV cache). A suffix or context whose first
/// line alone is over its budget is left out; only the cursor's line, when longer than the prefix's whole budget, is
/// cut inside (the model needs the text just before the cursor).
/// </summary>
internal sealed class PromptBuilder(Func<string, LLamaToken[]> tokenizeText, FimLayout fim, LLamaToken? bos)
{
    internal const int LineStep = LineWindow.LineStep;

    /// <summary>A prefix line longer than the budget loses its head in blocks of this many tokens, so the cut stays put while the user types at its end.</summary>
    internal const int TokenStep = 128;

    private const int CharsPerTokenBound = 6;

    /// <summary>
    /// The last texts tokenized, with their tokens: a keystroke changes the prefix's last lines, while the suffix,
    /// the context and the steps of lines above the cursor come back exactly as they were and are not tokenized again.
    /// </summary>
    private readonly (string Text, LLamaToken[] Tokens)?[] _recent = new (string, LLamaToken[])?[96];
    private int _next;

    public List<LLamaToken> Build(CompletionRequest request, int contextSize)
    {
        var parts = Parts(request, contextSize);
        var tokens = new List<LLamaToken>(parts.Prefix.Length + parts.Suffix.Length + parts.Context.Length + 4);
        if (bos is { } b)
        {
            tokens.Add(b);
        }

        foreach (var part in fim.Parts)
        {
            switch (part)
            {
                case FimPart.Context:
                    tokens.AddRange(parts.Context);
                    break;
                case FimPart.Prefix:
                    tokens.AddRange(parts.Prefix);
                    break;
                case FimPart.Suffix:
                    tokens.AddRange(parts.Suffix);
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

    /// <summary>The context, prefix and suffix tokens <see cref="Build"/> lays out, and the text of the context kept.</summary>
    public (LLamaToken[] Context, LLamaToken[] Prefix, LLamaToken[] Suffix, string ContextText) Parts(CompletionRequest request, int contextSize)
    {
        var budget = PromptBudget.For(request.Generation, contextSize, fim.HasFim);
        var suffix = fim.HasFim ? TakeHead(request.Suffix, budget.Suffix).Tokens : [];
        var (context, contextText) = string.IsNullOrEmpty(request.Context) ? ([], string.Empty) : TakeHead(request.Context, budget.Context, TokenizeContext);
        var prefix = TakeTail(request.Prefix, budget.PrefixFor(suffix.Length, context.Length));
        return (context, prefix, suffix, contextText);
    }

    /// <summary>
    /// The end of <paramref name="text"/> in at most <paramref name="budget"/> tokens, from a line start chosen by
    /// <see cref="LineWindow.TailStart"/>. When not even the last line fits, that line loses whole blocks of
    /// <see cref="TokenStep"/> leading tokens (then as many as needed): both cuts stay put while the user types at the end.
    /// </summary>
    internal LLamaToken[] TakeTail(string text, int budget)
    {
        if (text.Length == 0 || budget <= 0)
        {
            return [];
        }

        var start = LineWindow.TailStart(text, budget, Count, CharsPerTokenBound);
        if (start < text.Length)
        {
            return Tokenize(text[start..]);
        }

        var lastLine = text.Length < 2 ? 0 : text.LastIndexOf('\n', text.Length - 2) + 1;
        var tokens = Tokenize(text[lastLine..]);
        var drop = (tokens.Length - budget + TokenStep - 1) / TokenStep * TokenStep;
        return tokens[Math.Clamp(drop, Math.Max(0, tokens.Length - budget), tokens.Length)..];
    }

    /// <summary>The start of <paramref name="text"/> in at most <paramref name="budget"/> tokens, in whole lines (<see cref="LineWindow.HeadEnd"/>); nothing when not even the first line fits.</summary>
    internal (LLamaToken[] Tokens, string Text) TakeHead(string text, int budget) => TakeHead(text, budget, Tokenize);

    private static (LLamaToken[] Tokens, string Text) TakeHead(string text, int budget, Func<string, LLamaToken[]> tokenize)
    {
        var end = LineWindow.HeadEnd(text, budget, t => t.Length == 0 ? 0 : tokenize(t).Length, CharsPerTokenBound);
        if (end == 0)
        {
            return ([], string.Empty);
        }

        var head = text[..end];
        return (tokenize(head), head);
    }

    private int Count(string text) => text.Length == 0 ? 0 : Tokenize(text).Length;

    /// <summary>
    /// The context's tokens: with repository-level tokens (<see cref="FimLayout.Repo"/>) the file separators the renderer
    /// wrote become those control tokens; the code between them, like the prefix and suffix, never parses control tokens.
    /// </summary>
    private LLamaToken[] TokenizeContext(string text) =>
        fim.Repo is { } repo ? [.. repo.Tokenize(text, Tokenize, id => (LLamaToken)id)] : Tokenize(text);

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
}
