using LspCopilot.Server.Configuration;
using LspCopilot.Server.Inference;
using Microsoft.CodeAnalysis.Text;

namespace LspCopilot.Server.Analysis;

/// <summary>
/// The prompt at a cursor as text, split into the context sections and the prefix/suffix windows with
/// their token costs — what <c>lspcopilot context</c> shows.
/// </summary>
public sealed record PromptLayout(string Text, IReadOnlyList<ContextSection> Sections, int TotalTokens)
{
    /// <summary>Context tokens that made it into the prompt (the engine keeps at most half of what the suffix leaves).</summary>
    public int ContextTokensInPrompt { get; init; }

    private const int CharsPerToken = 4;

    /// <summary>The exact prompt: built by the engine's own prompt builder and tokenizer.</summary>
    public static PromptLayout Exact(LlamaEngine engine, SourceText text, int offset, ContextResult context, GenerationOptions generation)
    {
        var prefix = text.ToString(new TextSpan(0, offset));
        var suffix = text.ToString(TextSpan.FromBounds(offset, text.Length));
        var request = new CompletionRequest(prefix, suffix, context.Gate.Mode) { Context = context.Rendered, Generation = generation };

        // The BOS token (when the model adds one) is left out: it carries no text.
        var builder = new PromptBuilder(engine.Tokenize, engine.Fim, bos: null);
        var tokens = builder.Build(request, engine.ContextSize).Select(t => (int)t).ToList();
        string Detokenize(IEnumerable<int> slice) => string.Concat(slice.Select(engine.TokenText));

        // The same budgets as PromptBuilder.Build, to know where the context ends and the prefix window starts.
        var fim = engine.Fim;
        var available = Math.Max(16, engine.ContextSize - (generation.MaxTokens + 8));
        var suffixCount = fim.HasFim ? builder.TakeHead(suffix, Math.Min(generation.SuffixTokens, available / 4)).Length : 0;
        var contextTokens = context.Rendered is null ? 0 : builder.TakeHead(context.Rendered, Math.Max(0, (available - suffixCount) / 2)).Length;
        List<int> prefixWindow;
        List<int> suffixWindow;
        switch (fim.Order)
        {
            case FimOrder.PrefixSuffixMiddle:
            {
                var pre = tokens.IndexOf(fim.PrefixToken!.Value);
                var suf = tokens.IndexOf(fim.SuffixToken!.Value, pre + 1);
                var mid = tokens.IndexOf(fim.MiddleToken!.Value, suf + 1);
                prefixWindow = tokens.GetRange(pre + 1 + contextTokens, Math.Max(0, suf - pre - 1 - contextTokens));
                suffixWindow = tokens.GetRange(suf + 1, Math.Max(0, mid - suf - 1));
                break;
            }

            case FimOrder.SuffixPrefixMiddle:
            {
                var suf = tokens.IndexOf(fim.SuffixToken!.Value);
                var pre = tokens.IndexOf(fim.PrefixToken!.Value, suf + 1);
                var end = fim.MiddleToken is int middle && tokens.IndexOf(middle, pre + 1) is var m and >= 0 ? m : tokens.Count;
                suffixWindow = tokens.GetRange(suf + 1, Math.Max(0, pre - suf - 1));
                prefixWindow = tokens.GetRange(pre + 1 + contextTokens, Math.Max(0, end - pre - 1 - contextTokens));
                break;
            }

            default:
                prefixWindow = tokens.GetRange(contextTokens, tokens.Count - contextTokens);
                suffixWindow = [];
                break;
        }

        var sections = new List<ContextSection>(context.Sections)
        {
            new("prefix", Detokenize(prefixWindow), prefixWindow.Count),
            new("suffix", Detokenize(suffixWindow), suffixWindow.Count),
        };
        return new PromptLayout(Detokenize(tokens), sections, tokens.Count) { ContextTokensInPrompt = contextTokens };
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
            new("prefix", prefixWindow, AnalysisOptions.EstimateTokens(prefixWindow)),
            new("suffix", suffixWindow, AnalysisOptions.EstimateTokens(suffixWindow)),
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
