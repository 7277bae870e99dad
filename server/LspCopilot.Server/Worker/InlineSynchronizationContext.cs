namespace LspCopilot.Server.Worker;

/// <summary>
/// Runs whatever is posted at once, on the posting thread. For the worker's notifications: the connection's read
/// loop handles one message at a time, so they stay in order and never run concurrently, without a hop to
/// another thread per message.
/// </summary>
internal sealed class InlineSynchronizationContext : SynchronizationContext
{
    public override void Post(SendOrPostCallback d, object? state) => d(state);

    public override void Send(SendOrPostCallback d, object? state) => d(state);

    public override SynchronizationContext CreateCopy() => this;
}
