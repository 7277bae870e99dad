using System.Diagnostics;
using LspCopilot.Completion;
using LspCopilot.Completion.Chat;

namespace LspCopilot.Server.Benchmarks;

/// <summary>
/// Passes every call to the engine and keeps what the benchmark reads from it: the time spent inside the engine
/// (completions and chats together, so a code action's model time can be told from Roslyn's), and the statistics of
/// the last completion and the last chat. Never disposes the engine.
/// </summary>
internal sealed class TimingChatEngine(ICompletionEngine inner) : ICompletionEngine, IChatEngine
{
    private long _engineTicks;

    public string ModelName => inner.ModelName;

    public FimLayout Fim => inner.Fim;

    public int ContextSize => inner.ContextSize;

    public string? ChatLayout => (inner as IChatEngine)?.ChatLayout;

    /// <summary>Time spent inside the engine since the start (both lanes).</summary>
    public TimeSpan EngineTime => TimeSpan.FromTicks(Interlocked.Read(ref _engineTicks));

    public CompletionStats? LastCompletion { get; private set; }

    public ChatResult? LastChat { get; private set; }

    public Task<IReadOnlyList<int>> CountTokensAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken) => inner.CountTokensAsync(texts, cancellationToken);

    public Task RememberAsync(CompletionRequest request, string text, CancellationToken cancellationToken) => inner.RememberAsync(request, text, cancellationToken);

    public async Task<CompletionResult> CompleteAsync(CompletionRequest request, Action<string>? onText, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var result = await inner.CompleteAsync(request, onText, cancellationToken).ConfigureAwait(false);
            LastCompletion = result.Stats;
            return result;
        }
        finally
        {
            Interlocked.Add(ref _engineTicks, Stopwatch.GetElapsedTime(started).Ticks);
        }
    }

    public async Task<ChatResult> ChatAsync(ChatRequest request, Action<string>? onText, CancellationToken cancellationToken)
    {
        var chat = inner as IChatEngine ?? throw new NotSupportedException($"{inner.ModelName} cannot chat.");
        var started = Stopwatch.GetTimestamp();
        try
        {
            var result = await chat.ChatAsync(request, onText, cancellationToken).ConfigureAwait(false);
            LastChat = result;
            return result;
        }
        finally
        {
            Interlocked.Add(ref _engineTicks, Stopwatch.GetElapsedTime(started).Ticks);
        }
    }

    public Task EndConversationAsync(string conversationId, CancellationToken cancellationToken) =>
        inner is IChatEngine chat ? chat.EndConversationAsync(conversationId, cancellationToken) : Task.CompletedTask;

    public void Dispose()
    {
        // The benchmark owns the engine.
    }
}
