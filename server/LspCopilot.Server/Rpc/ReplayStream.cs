namespace LspCopilot.Server.Rpc;

/// <summary>A duplex stream whose reads first return bytes already taken from it (the first frame, read to check the token).</summary>
internal sealed class ReplayStream(byte[] head, Stream inner) : ReadFilterStream(inner)
{
    private int _offset;

    public override int Read(Span<byte> buffer)
    {
        if (_offset < head.Length)
        {
            var n = Math.Min(buffer.Length, head.Length - _offset);
            head.AsSpan(_offset, n).CopyTo(buffer);
            _offset += n;
            return n;
        }

        return Inner.Read(buffer);
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_offset < head.Length)
        {
            return Read(buffer.Span);
        }

        return await Inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
    }
}
