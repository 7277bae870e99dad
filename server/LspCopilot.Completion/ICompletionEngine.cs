namespace LspCopilot.Completion;

/// <summary>
/// A model that completes text: the LLamaSharp engine, the scheduler in front of it, a worker process
/// that runs them, or (next) a model server. Implementations serialize their own decoding.
/// </summary>
public interface ICompletionEngine : ITokenCounter, IDisposable
{
    /// <summary>File name of the model, for status and logs.</summary>
    string ModelName { get; }

    FimLayout Fim { get; }

    int ContextSize { get; }

    /// <summary>
    /// Completes at the cursor. <paramref name="onText"/> receives the whole text so far after each
    /// token. Cancellation is honoured between prefill chunks and per generated token.
    /// </summary>
    Task<CompletionResult> CompleteAsync(CompletionRequest request, Action<string>? onText, CancellationToken cancellationToken);

    /// <summary>
    /// Makes <paramref name="text"/> the remembered answer to <paramref name="request"/> in whatever
    /// result cache stands in front of the model, so a repeat or typing-through shows what the user was
    /// shown (the compile check may have chosen another candidate than the greedy one). An engine
    /// without a cache does nothing.
    /// </summary>
    Task RememberAsync(CompletionRequest request, string text, CancellationToken cancellationToken);
}
