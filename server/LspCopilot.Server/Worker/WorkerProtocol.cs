using LspCopilot.Completion;
using LspCopilot.Completion.Chat;

namespace LspCopilot.Server.Worker;

/// <summary>
/// The JSON-RPC methods between a language server (client) and an inference worker, framed like LSP
/// (Content-Length headers, camelCase JSON). The client calls <c>engine/load</c> once, then
/// <c>engine/complete</c> per suggestion and <c>engine/chat</c> per chat turn; the worker streams
/// <c>engine/text</c> notifications while it generates; <c>$/cancelRequest</c> cancels either.
/// <c>engine/countTokens</c> counts a batch of texts; <c>engine/remember</c> replaces a cached answer with
/// the candidate the server chose; <c>engine/endConversation</c> forgets a conversation's cache.
/// </summary>
public static class WorkerMethods
{
    /// <summary>Loads the model (once per worker; later calls return the loaded model's info).</summary>
    public const string Load = "engine/load";

    public const string Info = "engine/info";

    /// <summary>Counts many texts in one round trip (context budgeting asks in batches).</summary>
    public const string CountTokens = "engine/countTokens";

    /// <summary>Replaces the worker's cached answer to a request (the compile check chose another candidate).</summary>
    public const string Remember = "engine/remember";

    public const string Complete = "engine/complete";

    /// <summary>Generates a chat's next turn; streams <see cref="Text"/> like a completion.</summary>
    public const string Chat = "engine/chat";

    /// <summary>Forgets a conversation's kept KV cache.</summary>
    public const string EndConversation = "engine/endConversation";

    /// <summary>Notification worker → client: the text of a running completion changed.</summary>
    public const string Text = "engine/text";

    /// <summary>Notification client → worker: the client's stopper decided where a completion ends.</summary>
    public const string Stop = "engine/stop";

    /// <summary>
    /// Notification worker → client, at most once a second and only while the engine made progress since the
    /// last one (a prompt chunk decoded, a token generated): a long prefill is not mistaken for a stall.
    /// </summary>
    public const string Alive = "engine/alive";
}

/// <summary>Error codes of worker responses beyond JSON-RPC's own (-32800 is cancellation, as in LSP).</summary>
public static class WorkerErrorCodes
{
    public const int Cancelled = -32800;

    /// <summary>The worker's queue is full (<see cref="EngineBusyException"/>).</summary>
    public const int Busy = -32050;

    /// <summary>The worker's engine made no progress for the stall timeout (<see cref="EngineStalledException"/>); the worker exits to be restarted.</summary>
    public const int Stalled = -32053;

    /// <summary>The model cannot be loaded (<see cref="ModelLoadException"/>); the message is for the user.</summary>
    public const int ModelUnavailable = -32051;

    /// <summary>The request does not fit in the model's context (<see cref="PromptTooLongException"/>); the message is for the user.</summary>
    public const int TooLong = -32054;

    /// <summary>The completion failed inside the worker; the message says why.</summary>
    public const int Failed = -32052;
}

public sealed record WorkerLoadParams(EngineOptions Options);

/// <summary>What a worker serves: fixed for the life of the worker process.</summary>
public sealed record WorkerInfo(string ModelName, FimLayout Fim, int ContextSize, int ProcessId)
{
    /// <summary>How the worker's model lays chats out (<see cref="IChatEngine.ChatLayout"/>); null when it cannot chat.</summary>
    public string? ChatLayout { get; init; }
}

public sealed record WorkerCountParams(IReadOnlyList<string> Texts);

/// <summary>A <see cref="CompletionRequest"/> on the wire; <see cref="RequestId"/> ties streamed text and stops to it.</summary>
public sealed record WorkerCompleteParams(long RequestId, string Prefix, string Suffix, CompletionMode Mode)
{
    public string? Context { get; init; }

    public GenerationOptions Generation { get; init; } = new();

    public string? ClientId { get; init; }

    /// <summary>Send <see cref="WorkerMethods.Text"/> notifications while generating.</summary>
    public bool Stream { get; init; }

    /// <summary>The client runs a stopper and may send <see cref="WorkerMethods.Stop"/>.</summary>
    public bool Stoppable { get; init; }

    /// <summary>Return the engine's stage times (<see cref="LatencyTrace"/>) with the result.</summary>
    public bool Trace { get; init; }
}

/// <summary>The answer the client showed for a request, to serve its repeats and typing-through.</summary>
public sealed record WorkerRememberParams(string Prefix, string Suffix, CompletionMode Mode, string Text)
{
    public string? Context { get; init; }

    public GenerationOptions Generation { get; init; } = new();
}

/// <summary>The completion's text is now its old text cut at <see cref="Start"/> followed by <see cref="Text"/>.</summary>
public sealed record WorkerTextParams(long RequestId, int Start, string Text);

/// <summary>End the completion, keeping its first <see cref="Keep"/> characters.</summary>
public sealed record WorkerStopParams(long RequestId, int Keep);

public sealed record WorkerCompleteResult(
    string Text,
    StopReason Reason,
    int PromptTokens,
    int ReusedTokens,
    int ShiftedTokens,
    int GeneratedTokens,
    double TimeToFirstTokenMs,
    double TotalMs)
{
    /// <summary>When the worker's stages happened (a traced request only): the machine's monotonic clock, which the client shares.</summary>
    public IReadOnlyDictionary<string, long>? TraceMarks { get; init; }

    /// <summary>The worker's counts of a traced request.</summary>
    public IReadOnlyDictionary<string, int>? TraceCounts { get; init; }

    public static WorkerCompleteResult From(CompletionResult result) => new(
        result.Text,
        result.Reason,
        result.Stats.PromptTokens,
        result.Stats.ReusedTokens,
        result.Stats.Shifted,
        result.Stats.GeneratedTokens,
        result.Stats.TimeToFirstToken.TotalMilliseconds,
        result.Stats.Total.TotalMilliseconds);

    public CompletionResult ToResult(string text, StopReason reason) => new(
        text,
        reason,
        new CompletionStats(PromptTokens, ReusedTokens, GeneratedTokens, TimeSpan.FromMilliseconds(TimeToFirstTokenMs), TimeSpan.FromMilliseconds(TotalMs)) { Shifted = ShiftedTokens });
}

/// <summary>A <see cref="ChatRequest"/> on the wire; <see cref="RequestId"/> ties streamed text to it.</summary>
public sealed record WorkerChatParams(long RequestId, IReadOnlyList<ChatMessage> Messages)
{
    public GenerationOptions Generation { get; init; } = new();

    public string? ConversationId { get; init; }

    public string? ClientId { get; init; }

    /// <summary>Send <see cref="WorkerMethods.Text"/> notifications while generating.</summary>
    public bool Stream { get; init; }
}

public sealed record WorkerEndConversationParams(string ConversationId);

public sealed record WorkerChatResult(
    string Text,
    StopReason Reason,
    int PromptTokens,
    int ReusedTokens,
    int GeneratedTokens,
    double TimeToFirstTokenMs,
    double TotalMs,
    string Layout)
{
    public static WorkerChatResult From(ChatResult result) => new(
        result.Text,
        result.Reason,
        result.Stats.PromptTokens,
        result.Stats.ReusedTokens,
        result.Stats.GeneratedTokens,
        result.Stats.TimeToFirstToken.TotalMilliseconds,
        result.Stats.Total.TotalMilliseconds,
        result.Layout);

    public ChatResult ToResult() => new(
        Text,
        Reason,
        new CompletionStats(PromptTokens, ReusedTokens, GeneratedTokens, TimeSpan.FromMilliseconds(TimeToFirstTokenMs), TimeSpan.FromMilliseconds(TotalMs)))
    {
        Layout = Layout,
    };
}
