using LspCopilot.Server.Rpc;

namespace LspCopilot.Server.Worker;

/// <summary>Counts the reads that brought bytes from the other end: a sign of life that costs one increment.</summary>
internal sealed class ActivityStream(Stream inner) : ReadFilterStream(inner)
{
    private long _reads;

    public long Reads => Interlocked.Read(ref _reads);

    public override int Read(Span<byte> buffer) => Count(Inner.Read(buffer));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Count(await Inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false));

    private int Count(int read)
    {
        if (read > 0)
        {
            Interlocked.Increment(ref _reads);
        }

        return read;
    }
}
