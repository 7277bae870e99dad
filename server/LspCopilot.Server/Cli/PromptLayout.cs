using LspCopilot.Completion;
using LspCopilot.Context;
using LspCopilot.Engine;
using Microsoft.CodeAnalysis.Text;

namespace LspCopilot.Server.Cli;

/// <summary>One piece of a prompt in order: a FIM marker (<see cref="Section"/> null) or the text of a section, the prefix window or the suffix window.</summary>
public sealed record PromptPiece(string Text, string? Section);

/// <summary>
/// The prompt at a cursor as text, split into the context sections and the prefix/suffix windows with
/// their token costs — what <c>lspcopilot context</c> shows. <see cref="Sections"/> hold exactly the prompt's text:
/// the sections in the prompt (a section the prompt keeps only the head of shows that head), then the prefix and the
/// suffix windows; <see cref="Pieces"/> lays them out with the markers, and their texts joined are <see cref="Text"/>.
/// </summary>
public sealed record PromptLayout(string Text, IReadOnlyList<ContextSection> Sections, int TotalTokens)
{
    /// <summary>Context tokens that made it into the prompt.</summary>
    public int ContextTokensInPrompt { get; init; }

    /// <summary>The prompt's pieces in order; their texts joined are <see cref="Text"/>.</summary>
    public IReadOnlyList<PromptPiece> Pieces { get; init; } = [];

    /// <summary>Context sections the prompt had no room for (whole, with their cost alone).</summary>
    public IReadOnlyList<ContextSection> Dropped { get; init; } = [];

    /// <summary>The budget the prompt was fitted to; null when the caller did not say (<see cref="Exact"/>).</summary>
    public PromptBudget? Budget { get; init; }

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

        var parts = new PromptParts(
            tokens.GetRange(prefixStart, contextTokens),
            tokens.GetRange(prefixStart + contextTokens, prefixEnd - prefixStart - contextTokens),
            tokens.GetRange(suffixStart, suffixEnd - suffixStart));
        return FromParts(parts, tokenText, tokenize, fim, context);
    }

    /// <summary>
    /// The exact prompt from the engine's pieces (<see cref="LlamaEngine.BuildPromptParts"/>), framed by
    /// <paramref name="fim"/>'s markers as the engine frames them. Each context section gets the prompt's tokens from
    /// where the previous one ended to where the tokens of the sections so far end.
    /// </summary>
    public static PromptLayout FromParts(PromptParts parts, Func<int, string> tokenText, Func<string, IReadOnlyList<int>> tokenize, FimLayout fim, ContextResult context, PromptBudget? budget = null)
    {
        string Detokenize(IEnumerable<int> slice) => string.Concat(slice.Select(tokenText));
        var (kept, dropped) = SplitContext(parts, tokenize, Detokenize, context.Sections);
        var prefix = new ContextSection("prefix", Detokenize(parts.Prefix), parts.Prefix.Count);
        var suffix = new ContextSection("suffix", Detokenize(parts.Suffix), parts.Suffix.Count);
        var pieces = Lay(fim, kept, prefix, suffix, part => fim.Marker(part) is int marker ? tokenText(marker) : null);
        var markers = pieces.Count(p => p.Section is null);
        return new PromptLayout(string.Concat(pieces.Select(p => p.Text)), [.. kept, prefix, suffix], parts.Context.Count + parts.Prefix.Count + parts.Suffix.Count + markers)
        {
            ContextTokensInPrompt = parts.Context.Count,
            Pieces = pieces,
            Dropped = dropped,
            Budget = budget,
        };
    }

    /// <summary>
    /// Splits the prompt's context tokens among the sections. With the kept text known, a section is in whole, in part
    /// (its head) or dropped by its characters; else a section is whole when the tokens of the sections so far begin the
    /// prompt's context, and the first that does not takes the rest.
    /// </summary>
    private static (List<ContextSection> Kept, List<ContextSection> Dropped) SplitContext(PromptParts parts, Func<string, IReadOnlyList<int>> tokenize, Func<IEnumerable<int>, string> detokenize, IReadOnlyList<ContextSection> sections)
    {
        var tokens = parts.Context;
        var kept = new List<ContextSection>();
        var dropped = new List<ContextSection>();
        var at = 0;
        var chars = 0;
        var cumulative = string.Empty;
        foreach (var section in sections)
        {
            if (at >= tokens.Count || (parts.ContextText is { } keptText && chars >= keptText.Length))
            {
                dropped.Add(section);
                continue;
            }

            cumulative += section.Text;
            chars += section.Text.Length;
            var expected = tokenize(cumulative);
            var common = 0;
            while (common < expected.Count && common < tokens.Count && expected[common] == tokens[common])
            {
                common++;
            }

            var whole = parts.ContextText is { } text ? chars <= text.Length : common == expected.Count;
            var end = whole && common == expected.Count ? common : whole ? Math.Max(at, common) : tokens.Count;
            var slice = tokens.Skip(at).Take(end - at).ToList();
            kept.Add(new ContextSection(section.Name, detokenize(slice), slice.Count));
            at = end;
        }

        // Tokens the split left over (a merge across the last boundary) belong to the last section kept.
        if (at < tokens.Count && kept.Count > 0)
        {
            var rest = tokens.Skip(at).ToList();
            var last = kept[^1];
            kept[^1] = last with { Text = last.Text + detokenize(rest), Tokens = last.Tokens + rest.Count };
        }

        return (kept, dropped);
    }

    /// <summary>The pieces in <paramref name="fim"/>'s order; a marker without text (the family lacks it) is left out.</summary>
    private static List<PromptPiece> Lay(FimLayout fim, IReadOnlyList<ContextSection> context, ContextSection prefix, ContextSection suffix, Func<FimPart, string?> markerText)
    {
        var pieces = new List<PromptPiece>();
        foreach (var part in fim.Parts)
        {
            switch (part)
            {
                case FimPart.Context:
                    pieces.AddRange(context.Select(s => new PromptPiece(s.Text, s.Name)));
                    break;
                case FimPart.Prefix:
                    pieces.Add(new PromptPiece(prefix.Text, prefix.Name));
                    break;
                case FimPart.Suffix:
                    pieces.Add(new PromptPiece(suffix.Text, suffix.Name));
                    break;
                default:
                    if (markerText(part) is { } marker)
                    {
                        pieces.Add(new PromptPiece(marker, null));
                    }

                    break;
            }
        }

        return pieces;
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

    /// <summary>
    /// Without a model: the engine's rules (<see cref="PromptBudget"/>, windows in whole lines by <see cref="LineWindow"/>)
    /// with tokens estimated as characters/4, and generic FIM markers.
    /// </summary>
    /// <param name="contextSize">The model context to fit; null: <see cref="EngineOptions.DefaultMaxContext"/>.</param>
    public static PromptLayout Estimate(SourceText text, int offset, ContextResult context, GenerationOptions generation, int? contextSize = null)
    {
        var budget = PromptBudget.For(generation, contextSize ?? (int)EngineOptions.DefaultMaxContext, s_generic.HasFim);
        var prefix = text.ToString(new TextSpan(0, offset));
        var suffix = text.ToString(TextSpan.FromBounds(offset, text.Length));
        var suffixWindow = Head(suffix, budget.Suffix);
        var contextWindow = Head(context.Rendered ?? string.Empty, budget.Context);
        var prefixWindow = Tail(prefix, budget.PrefixFor(TokenEstimate.Count(suffixWindow), TokenEstimate.Count(contextWindow)));

        var kept = new List<ContextSection>();
        var dropped = new List<ContextSection>();
        var at = 0;
        foreach (var section in context.Sections)
        {
            var end = Math.Min(contextWindow.Length, at + section.Text.Length);
            if (end <= at)
            {
                dropped.Add(section);
                continue;
            }

            kept.Add(end - at == section.Text.Length ? section : section with { Text = contextWindow[at..end], Tokens = TokenEstimate.Count(contextWindow[at..end]) });
            at = end;
        }

        var prefixSection = new ContextSection("prefix", prefixWindow, TokenEstimate.Count(prefixWindow));
        var suffixSection = new ContextSection("suffix", suffixWindow, TokenEstimate.Count(suffixWindow));
        var pieces = Lay(s_generic, kept, prefixSection, suffixSection, part => part switch
        {
            FimPart.PrefixMarker => "<|fim_prefix|>",
            FimPart.SuffixMarker => "<|fim_suffix|>",
            _ => "<|fim_middle|>",
        });
        List<ContextSection> sections = [.. kept, prefixSection, suffixSection];
        return new PromptLayout(string.Concat(pieces.Select(p => p.Text)), sections, sections.Sum(s => s.Tokens) + 3)
        {
            ContextTokensInPrompt = kept.Sum(s => s.Tokens),
            Pieces = pieces,
            Dropped = dropped,
            Budget = budget,
        };
    }

    /// <summary>The prefix window of the estimate: whole lines as the engine takes them; a last line longer than the budget keeps its end.</summary>
    private static string Tail(string text, int budget)
    {
        var start = LineWindow.TailStart(text, budget, TokenEstimate.Count, CharsPerToken);
        if (start < text.Length || text.Length == 0)
        {
            return text[start..];
        }

        var maxChars = budget * CharsPerToken;
        var lastLine = text.Length < 2 ? 0 : text.LastIndexOf('\n', text.Length - 2) + 1;
        var cut = Math.Max(lastLine, text.Length - maxChars);
        return text[(cut < text.Length && char.IsLowSurrogate(text[cut]) ? cut + 1 : cut)..];
    }

    /// <summary>The suffix or context window of the estimate: whole lines from the head, as the engine takes them.</summary>
    private static string Head(string text, int budget) => text[..LineWindow.HeadEnd(text, budget, TokenEstimate.Count, CharsPerToken)];
}
