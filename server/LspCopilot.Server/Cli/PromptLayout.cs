using LspCopilot.Completion;
using LspCopilot.Context;
using Microsoft.CodeAnalysis.Text;

namespace LspCopilot.Server.Cli;

/// <summary>
/// The prompt at a cursor as text, split into the context sections and the prefix/suffix windows with
/// their token costs — what <c>lspcopilot context</c> shows.
/// </summary>
public sealed record PromptLayout(string Text, IReadOnlyList<ContextSection> Sections, int TotalTokens)
{
    /// <summary>Context tokens that made it into the prompt (the engine keeps at most half of what the suffix leaves).</summary>
    public int ContextTokensInPrompt { get; init; }

    private const int CharsPerToken = 4;

    /// <summary>The layout an estimate shows: the most common family's order, with its marker texts.</summary>
    private static readonly FimLayout s_generic = new("generic", FimOrder.PrefixSuffixMiddle, 0, 1, 2);

    /// <summary>
    /// The exact prompt, from the engine's own prompt tokens. The context's end is found by matching its
    /// tokens after the prefix marker, so the split needs no copy of the engine's budget rules (the
    /// engine may have kept only the head of a long context).
    /// </summary>
    /// <param name="prompt">The tokens the engine would decode for the request.</param>
    /// <param name="tokenText">The text of one token (control tokens included).</param>
    /// <param name="tokenize">The engine's tokenizer.</param>
    public static PromptLayout Exact(IReadOnlyList<int> prompt, Func<int, string> tokenText, Func<string, IReadOnlyList<int>> tokenize, FimLayout fim, ContextResult context)
    {
        var tokens = prompt.ToList();
        string Detokenize(IEnumerable<int> slice) => string.Concat(slice.Select(tokenText));

        var windows = Windows(tokens, fim);
        var (prefixStart, prefixEnd) = windows[FimPart.Prefix];
        var (suffixStart, suffixEnd) = windows.TryGetValue(FimPart.Suffix, out var suffixSpan) ? suffixSpan : (tokens.Count, tokens.Count);

        var contextTokens = 0;
        if (context.Rendered is { } rendered)
        {
            var expected = tokenize(rendered);
            while (contextTokens < expected.Count && prefixStart + contextTokens < prefixEnd && tokens[prefixStart + contextTokens] == expected[contextTokens])
            {
                contextTokens++;
            }
        }

        var prefixWindow = tokens.GetRange(prefixStart + contextTokens, prefixEnd - prefixStart - contextTokens);
        var suffixWindow = tokens.GetRange(suffixStart, suffixEnd - suffixStart);
        var sections = new List<ContextSection>(context.Sections)
        {
            new("prefix", Detokenize(prefixWindow), prefixWindow.Count),
            new("suffix", Detokenize(suffixWindow), suffixWindow.Count),
        };
        return new PromptLayout(Detokenize(tokens), sections, tokens.Count) { ContextTokensInPrompt = contextTokens };
    }

    /// <summary>
    /// Where each text part of <paramref name="fim"/> lies in the prompt: walks the layout's parts, each
    /// marker found at or after the previous one, each text running to the next marker. The context and the
    /// prefix share one window (no marker between them); the caller splits them.
    /// </summary>
    private static Dictionary<FimPart, (int Start, int End)> Windows(List<int> tokens, FimLayout fim)
    {
        var parts = fim.Parts;
        var windows = new Dictionary<FimPart, (int, int)>();
        var at = 0;
        for (var i = 0; i < parts.Count; i++)
        {
            if (fim.Marker(parts[i]) is int marker)
            {
                at = tokens.IndexOf(marker, Math.Min(at, tokens.Count)) is var found and >= 0 ? found + 1 : at;
                continue;
            }

            if (parts[i] is not (FimPart.Prefix or FimPart.Suffix))
            {
                continue;
            }

            var end = tokens.Count;
            for (var j = i + 1; j < parts.Count; j++)
            {
                if (fim.Marker(parts[j]) is int next && tokens.IndexOf(next, at) is var found and >= 0)
                {
                    end = found;
                    break;
                }
            }

            windows[parts[i]] = (at, end);
            at = end;
        }

        return windows;
    }

    /// <summary>Without a model: windows cut by characters (4 per token) and generic FIM markers.</summary>
    public static PromptLayout Estimate(SourceText text, int offset, ContextResult context, GenerationOptions generation)
    {
        var prefix = text.ToString(new TextSpan(0, offset));
        var suffix = text.ToString(TextSpan.FromBounds(offset, text.Length));
        var prefixWindow = Tail(prefix, generation.PrefixTokens * CharsPerToken);
        var suffixWindow = Head(suffix, generation.SuffixTokens * CharsPerToken);
        var sections = new List<ContextSection>(context.Sections)
        {
            new("prefix", prefixWindow, TokenEstimate.Count(prefixWindow)),
            new("suffix", suffixWindow, TokenEstimate.Count(suffixWindow)),
        };
        string Text(FimPart part) => part switch
        {
            FimPart.Context => context.Rendered ?? string.Empty,
            FimPart.Prefix => prefixWindow,
            FimPart.Suffix => suffixWindow,
            FimPart.PrefixMarker => "<|fim_prefix|>",
            FimPart.SuffixMarker => "<|fim_suffix|>",
            _ => "<|fim_middle|>",
        };
        var prompt = string.Concat(s_generic.Parts.Select(Text));
        return new PromptLayout(prompt, sections, sections.Sum(s => s.Tokens) + 3) { ContextTokensInPrompt = context.Tokens };
    }

    private static string Tail(string text, int maxChars)
    {
        if (text.Length <= maxChars)
        {
            return text;
        }

        var cut = text.IndexOf('\n', text.Length - maxChars);
        return cut >= 0 ? text[(cut + 1)..] : text[^maxChars..];
    }

    private static string Head(string text, int maxChars)
    {
        if (text.Length <= maxChars)
        {
            return text;
        }

        var cut = text.LastIndexOf('\n', maxChars - 1);
        return cut > 0 ? text[..(cut + 1)] : text[..maxChars];
    }
}
