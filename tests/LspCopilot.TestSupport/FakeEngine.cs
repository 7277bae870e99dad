using LspCopilot.Completion;
using LspCopilot.Engine.Models;

namespace LspCopilot.TestSupport;

/// <summary>An engine that answers fixed candidates in turn (for ranking and scheduling tests); it records the requests and what it was told to remember.</summary>
public sealed class FakeEngine(params string[] candidates) : ICompletionEngine
{
    private int _next;

    public List<CompletionRequest> Requests { get; } = [];

    public List<(CompletionRequest Request, string Text)> Remembered { get; } = [];

    public string ModelName => "fake";

    public FimLayout Fim => FimLayout.PrefixOnly;

    public int ContextSize { get; init; } = 4096;

    public int CountTokens(string text) => (text.Length + 3) / 4;

    public Task<IReadOnlyList<int>> CountTokensAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<int>>([.. texts.Select(CountTokens)]);

    public Task RememberAsync(CompletionRequest request, string text, CancellationToken cancellationToken)
    {
        Remembered.Add((request, text));
        return Task.CompletedTask;
    }

    public Task<CompletionResult> CompleteAsync(CompletionRequest request, Action<string>? onText, CancellationToken cancellationToken)
    {
        Requests.Add(request);
        var text = candidates[Math.Min(_next++, candidates.Length - 1)];
        onText?.Invoke(text);
        var stats = new CompletionStats(10, 0, 5, TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(2));
        return Task.FromResult(new CompletionResult(text, StopReason.EndOfGeneration, stats));
    }

    public void Dispose()
    {
    }
}
