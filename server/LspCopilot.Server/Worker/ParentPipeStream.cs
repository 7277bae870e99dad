using LspCopilot.Server.Rpc;

namespace LspCopilot.Server.Worker;

/// <summary>
/// A stdio worker's stdin: it ends when the language server closes it or exits, so it may be read with blocking
/// reads on a thread of its own (<see cref="DedicatedReader"/>), and the connection has one client, whose
/// messages <see cref="WorkerRpc"/> then handles in order on that thread, without a hop per message.
/// </summary>
internal sealed class ParentPipeStream(Stream inner) : ReadFilterStream(inner)
{
    public override int Read(Span<byte> buffer) => Inner.Read(buffer);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => Inner.ReadAsync(buffer, cancellationToken);
}
