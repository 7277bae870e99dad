using LspCopilot.Completion;

namespace LspCopilot.Server.Worker;

/// <summary>
/// The worker's stand-in for a stopper that runs in the client (stoppers are code, not data): the
/// client reads the streamed text, decides where the suggestion ends, and sends
/// <see cref="WorkerMethods.Stop"/>; the engine stops at its next token.
/// </summary>
internal sealed class RemoteStopper : ICompletionStopper
{
    private volatile int _keep = -1;

    public void Stop(int keep) => _keep = Math.Max(0, keep);

    public int? FindStop(string generated)
    {
        var keep = _keep;
        return keep < 0 ? null : Math.Min(keep, generated.Length);
    }
}
