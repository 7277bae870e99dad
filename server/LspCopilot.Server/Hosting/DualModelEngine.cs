using LspCopilot.Completion;
using LspCopilot.Completion.Chat;
using LspCopilot.Completion.CodeActions;

namespace LspCopilot.Server.Hosting;

/// <summary>
/// Two models behind one engine (<c>--chat-model</c>): completions and token counts go to the completion model, chats
/// (explain, refactor) to the chat model. The chat model loads in the background after the completion model, so ghost
/// text never waits for it; a chat asked for meanwhile waits for the load, and a chat model that failed to load makes
/// every chat fail with the reason (completions go on).
/// </summary>
public sealed class DualModelEngine : ICompletionEngine, IChatEngine, IProgressSource
{
    private readonly ICompletionEngine _completion;
    private readonly Task<IChatEngine> _chat;
    private readonly string _chatModelPath;
    private int _disposed;

    /// <param name="loadChat">Loads the chat model (run on the thread pool); its <see cref="ModelLoadException"/> is kept for the chats.</param>
    public DualModelEngine(ICompletionEngine completion, string chatModelPath, Func<ICompletionEngine> loadChat, ServerLog log)
    {
        _completion = completion;
        _chatModelPath = chatModelPath;
        _chat = Task.Run(() => LoadChat(loadChat, log));
    }

    /// <summary>The chat model once loaded (null while loading or after a failure).</summary>
    public ICompletionEngine? ChatModel => _chat is { IsCompletedSuccessfully: true, Result: ICompletionEngine engine } ? engine : null;

    public string ModelName => _completion.ModelName;

    public FimLayout Fim => _completion.Fim;

    public int ContextSize => _completion.ContextSize;

    /// <summary>The chat model's layout; while it loads, a label saying so (chats then wait for it).</summary>
    public string? ChatLayout => _chat switch
    {
        { IsCompletedSuccessfully: true } => _chat.Result.ChatLayout,
        { IsCompleted: false } => "chat model loading",
        _ => "chat model unavailable",
    };

    public long Progress => (_completion is IProgressSource a ? a.Progress : 0) + (ChatModel is IProgressSource b ? b.Progress : 0);

    public Task<IReadOnlyList<int>> CountTokensAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken) =>
        _completion.CountTokensAsync(texts, cancellationToken);

    public Task<CompletionResult> CompleteAsync(CompletionRequest request, Action<string>? onText, CancellationToken cancellationToken) =>
        _completion.CompleteAsync(request, onText, cancellationToken);

    public Task RememberAsync(CompletionRequest request, string text, CancellationToken cancellationToken) =>
        _completion.RememberAsync(request, text, cancellationToken);

    public async Task<ChatResult> ChatAsync(ChatRequest request, Action<string>? onText, CancellationToken cancellationToken)
    {
        var chat = await _chat.WaitAsync(cancellationToken).ConfigureAwait(false);
        return await chat.ChatAsync(request, onText, cancellationToken).ConfigureAwait(false);
    }

    public async Task EndConversationAsync(string conversationId, CancellationToken cancellationToken)
    {
        if (_chat.IsCompletedSuccessfully)
        {
            await _chat.Result.EndConversationAsync(conversationId, cancellationToken).ConfigureAwait(false);
        }
    }

    private IChatEngine LoadChat(Func<ICompletionEngine> loadChat, ServerLog log)
    {
        ICompletionEngine engine;
        try
        {
            engine = loadChat();
        }
        catch (ModelLoadException ex)
        {
            var message = $"The chat model {_chatModelPath} could not be loaded: {ex.Message} Fix --chat-model (initializationOptions.chatModel), or leave it out to use the completion model for code actions.";
            log.Error(message);
            throw new ModelLoadException(message, ex);
        }

        if (Volatile.Read(ref _disposed) != 0)
        {
            engine.Dispose();
            throw new ObjectDisposedException(nameof(DualModelEngine));
        }

        if (ChatEngines.ChatOf(engine) is not { } chat)
        {
            engine.Dispose();
            var message = $"The chat model {_chatModelPath} cannot chat through this engine; leave --chat-model out to use the completion model for code actions.";
            log.Error(message);
            throw new ModelLoadException(message);
        }

        log.Info($"Code actions use the chat model {engine.ModelName} ({chat.ChatLayout}); completions use {_completion.ModelName}.");
        return chat;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _completion.Dispose();
        if (_chat.IsCompletedSuccessfully)
        {
            (_chat.Result as IDisposable)?.Dispose();
        }
    }
}
