using System.Diagnostics;
using LspCopilot.Completion;

namespace LspCopilot.Server.Benchmarks;

/// <summary>Records how long the wrapped engine itself spends on each request; never disposes it.</summary>
internal sealed class TimingEngine(ICompletionEngine inner) : ICompletionEngine
{
    public string ModelName => inner.ModelName;

    public FimLayout Fim => inner.Fim;

    public int ContextSize => inner.ContextSize;

    /// <summary>The engine time of the last request that finished.</summary>
    public TimeSpan Last { get; private set; }

    private long _cancelledTicks;

    /// <summary>Engine time spent on requests that were cancelled before they finished: work the user never saw.</summary>
    public TimeSpan Cancelled => TimeSpan.FromTicks(Interlocked.Read(ref _cancelledTicks));

    public Task<IReadOnlyList<int>> CountTokensAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken) => inner.CountTokensAsync(texts, cancellationToken);

    public Task RememberAsync(CompletionRequest request, string text, CancellationToken cancellationToken) => inner.RememberAsync(request, text, cancellationToken);

    public async Task<CompletionResult> CompleteAsync(CompletionRequest request, Action<string>? onText, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            return await inner.CompleteAsync(request, onText, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Interlocked.Add(ref _cancelledTicks, clock.Elapsed.Ticks);
            throw;
        }
        finally
        {
            Last = clock.Elapsed;
        }
    }

    public void Dispose()
    {
        // The benchmark owns the engine and reuses it across scenarios.
    }
}
