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
