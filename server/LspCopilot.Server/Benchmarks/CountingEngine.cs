using LspCopilot.Completion;

namespace LspCopilot.Server.Benchmarks;

/// <summary>Counts the tokens the wrapped engine generated for requests that finished; never disposes it.</summary>
internal sealed class CountingEngine(ICompletionEngine inner) : ICompletionEngine
{
    private long _generated;

    public string ModelName => inner.ModelName;

    public FimLayout Fim => inner.Fim;

    public int ContextSize => inner.ContextSize;

    public long GeneratedTokens => Interlocked.Read(ref _generated);

    public Task<IReadOnlyList<int>> CountTokensAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken) => inner.CountTokensAsync(texts, cancellationToken);

    public Task RememberAsync(CompletionRequest request, string text, CancellationToken cancellationToken) => inner.RememberAsync(request, text, cancellationToken);

    public async Task<CompletionResult> CompleteAsync(CompletionRequest request, Action<string>? onText, CancellationToken cancellationToken)
    {
        var result = await inner.CompleteAsync(request, onText, cancellationToken).ConfigureAwait(false);
        Interlocked.Add(ref _generated, result.Stats.GeneratedTokens);
        return result;
    }

    public void Dispose()
    {
        // The benchmark owns the engine.
    }
}
