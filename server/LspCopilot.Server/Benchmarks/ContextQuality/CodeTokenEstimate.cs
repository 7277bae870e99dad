using LspCopilot.Completion;

namespace LspCopilot.Server.Benchmarks.ContextQuality;

/// <summary>
/// Token counts at the size of a real code model's tokenizer (about 3.5 characters per token for C#), for
/// budgets that should not depend on the tiny test models, whose vocabularies split code much finer.
/// </summary>
public sealed class CodeTokenEstimate(double charsPerToken = CodeTokenEstimate.DefaultCharsPerToken) : ITokenCounter
{
    public const double DefaultCharsPerToken = 3.5;

    public double CharsPerToken { get; } = charsPerToken > 0 ? charsPerToken : throw new ArgumentOutOfRangeException(nameof(charsPerToken), "Characters per token must be positive.");

    public int Count(string text) => (int)Math.Ceiling(text.Length / CharsPerToken);

    public Task<IReadOnlyList<int>> CountTokensAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<int>>([.. texts.Select(Count)]);
}
