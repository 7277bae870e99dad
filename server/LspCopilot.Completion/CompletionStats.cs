namespace LspCopilot.Completion;

public sealed record CompletionStats(
    int PromptTokens,
    int ReusedTokens,
    int GeneratedTokens,
    TimeSpan TimeToFirstToken,
    TimeSpan Total)
{
    /// <summary>Prompt tokens moved into place in the KV cache instead of decoded (chunk reuse).</summary>
    public int Shifted { get; init; }

    /// <summary>Tokens guessed by speculative decoding (prompt lookup or a draft model) and judged by the model (guesses after a stop are never judged and not counted).</summary>
    public int Drafted { get; init; }

    /// <summary>Guessed tokens the model agreed with (each saved a decode of its own).</summary>
    public int DraftAccepted { get; init; }

    /// <summary>Prompt tokens decoded for this request.</summary>
    public int Decoded => PromptTokens - ReusedTokens - Shifted;

    public double TokensPerSecond
    {
        get
        {
            var decodeSeconds = (Total - TimeToFirstToken).TotalSeconds;
            return GeneratedTokens > 1 && decodeSeconds > 0 ? (GeneratedTokens - 1) / decodeSeconds : 0;
        }
    }
}
