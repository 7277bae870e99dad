using LspCopilot.Completion;

namespace LspCopilot.Engine.Batching;

/// <summary>
/// A completion handed to a batch: what to run and how to answer. Exactly one of <see cref="Completed"/>,
/// <see cref="Failed"/> and <see cref="Cancelled"/> is called, on the engine thread.
/// </summary>
internal sealed record BatchedRequest(
    CompletionRequest Request,
    Action<string>? OnText,
    CancellationToken Token,
    Action<CompletionResult> Completed,
    Action<Exception> Failed,
    Action Cancelled)
{
    /// <summary>Whose request it is: one request per client is decoded at a time, in that client's own sequence.</summary>
    public string Client => Request.ClientId ?? string.Empty;
}
