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

        var (prefixStart, prefixEnd, suffixStart, suffixEnd) = fim.Order switch
        {
            FimOrder.PrefixSuffixMiddle => Windows(tokens, fim.PrefixToken!.Value, fim.SuffixToken!.Value, fim.MiddleToken),
            FimOrder.SuffixPrefixMiddle => Swap(Windows(tokens, fim.SuffixToken!.Value, fim.PrefixToken!.Value, fim.MiddleToken)),
            _ => (0, tokens.Count, tokens.Count, tokens.Count),
        };

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

    /// <summary>Where the text after the first marker and after the second marker lie (up to the next marker or the end).</summary>
    private static (int FirstStart, int FirstEnd, int SecondStart, int SecondEnd) Windows(List<int> tokens, int first, int second, int? end)
    {
        var a = tokens.IndexOf(first);
        var b = tokens.IndexOf(second, a + 1);
        var c = end is int middle && tokens.IndexOf(middle, b + 1) is var m and >= 0 ? m : tokens.Count;
        return (a + 1, b, b + 1, c);
    }

    private static (int, int, int, int) Swap((int FirstStart, int FirstEnd, int SecondStart, int SecondEnd) w) =>
        (w.SecondStart, w.SecondEnd, w.FirstStart, w.FirstEnd);

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
        var prompt = "<|fim_prefix|>" + context.Rendered + prefixWindow + "<|fim_suffix|>" + suffixWindow + "<|fim_middle|>";
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
