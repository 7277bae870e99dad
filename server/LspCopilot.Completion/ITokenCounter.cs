namespace LspCopilot.Completion;

/// <summary>
/// Counts model tokens, many texts per call: budgeting a prompt asks for a batch at a time, so an
/// engine in another process or on another machine costs one round trip per batch, not one per text.
/// </summary>
public interface ITokenCounter
{
    /// <summary>The token count of each text, in order (without BOS or other added tokens).</summary>
    Task<IReadOnlyList<int>> CountTokensAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken);
}
