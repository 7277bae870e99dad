namespace LspCopilot.Completion;

/// <summary>The chars/4 estimate, for when no model is loaded yet (or none will be).</summary>
public sealed class TokenEstimate : ITokenCounter
{
    public static TokenEstimate Instance { get; } = new();

    public static int Count(string text) => (text.Length + 3) / 4;

    public Task<IReadOnlyList<int>> CountTokensAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<int>>([.. texts.Select(Count)]);
}
