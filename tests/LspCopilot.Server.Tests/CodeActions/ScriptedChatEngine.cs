using System.Collections.Concurrent;
using LspCopilot.Completion;
using LspCopilot.Completion.Chat;

namespace LspCopilot.Server.Tests.CodeActions;

/// <summary>
/// A model that chats (and completes) with scripted replies, one per call in turn (the last repeats), so the
/// compile check's verdicts and the edits' shapes are tested on proposals chosen by the test. It streams each
/// reply word by word, records what it was asked, and can hold a reply until cancelled or crash mid-reply.
/// </summary>
internal sealed class ScriptedChatEngine(params string[] replies) : ICompletionEngine, IChatEngine
{
    private int _next;

    /// <summary>Null: a model without a chat layout (code actions then go through fill-in-the-middle).</summary>
    public string? ChatLayout { get; init; } = "chat template (scripted)";

    /// <summary>Stream the first words, then wait until cancelled.</summary>
    public bool HoldAfterFirstWords { get; init; }

    /// <summary>Stream the first words, then fail as a dead worker would.</summary>
    public bool CrashAfterFirstWords { get; init; }

    public ConcurrentQueue<ChatRequest> Chats { get; } = new();

    public ConcurrentQueue<CompletionRequest> Completions { get; } = new();

    public ConcurrentQueue<string> EndedConversations { get; } = new();

    /// <summary>Set once the first words of a reply went out.</summary>
    public TaskCompletionSource Streaming { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int Calls => Chats.Count + Completions.Count;

    public string ModelName => "scripted";

    public FimLayout Fim => FimLayout.PrefixOnly;

    public int ContextSize => 8192;

    public Task<IReadOnlyList<int>> CountTokensAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<int>>([.. texts.Select(TokenEstimate.Count)]);

    public Task RememberAsync(CompletionRequest request, string text, CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task<ChatResult> ChatAsync(ChatRequest request, Action<string>? onText, CancellationToken cancellationToken)
    {
        Chats.Enqueue(request);
        var text = await StreamAsync(onText, cancellationToken);
        return new ChatResult(text, StopReason.EndOfGeneration, Stats(text)) { Layout = ChatLayout ?? "none" };
    }

    public async Task<CompletionResult> CompleteAsync(CompletionRequest request, Action<string>? onText, CancellationToken cancellationToken)
    {
        Completions.Enqueue(request);
        var text = await StreamAsync(onText, cancellationToken);
        return new CompletionResult(text, StopReason.EndOfGeneration, Stats(text));
    }

    public Task EndConversationAsync(string conversationId, CancellationToken cancellationToken)
    {
        EndedConversations.Enqueue(conversationId);
        return Task.CompletedTask;
    }

    private async Task<string> StreamAsync(Action<string>? onText, CancellationToken cancellationToken)
    {
        var reply = replies.Length == 0 ? string.Empty : replies[Math.Min(Interlocked.Increment(ref _next) - 1, replies.Length - 1)];
        var words = reply.Split(' ');
        var sofar = string.Empty;
        for (var i = 0; i < words.Length; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            sofar += (i == 0 ? string.Empty : " ") + words[i];
            onText?.Invoke(sofar);
            if (i == Math.Min(2, words.Length - 1))
            {
                Streaming.TrySetResult();
                if (HoldAfterFirstWords)
                {
                    await Task.Delay(Timeout.Infinite, cancellationToken);
                }

                if (CrashAfterFirstWords)
                {
                    throw new EngineCrashedException("The model's process died (scripted).", 1);
                }
            }

            await Task.Yield();
        }

        return reply;
    }

    private static CompletionStats Stats(string text) => new(100, 0, TokenEstimate.Count(text), TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(2));

    public void Dispose()
    {
    }
}
