using System.Net.Sockets;

namespace LspCopilot.Server.Worker;

/// <summary>Connects to a shared worker (<c>lspcopilot worker --listen</c>) over TCP, token first.</summary>
public sealed class WorkerSocketConnector(WorkerEndpoint endpoint, string? token) : IWorkerConnector
{
    public string Description => $"the shared worker at {endpoint}";

    public bool OwnsWorker => false;

    public async Task<IWorkerChannel> OpenAsync(CancellationToken cancellationToken)
    {
        var client = new TcpClient { NoDelay = true };
        try
        {
            await client.ConnectAsync(endpoint.Host, endpoint.Port, cancellationToken).ConfigureAwait(false);
            var stream = client.GetStream();
            await WorkerHandshake.ConnectAsync(stream, token, cancellationToken).ConfigureAwait(false);
            return new Channel(client, stream);
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    private sealed class Channel(TcpClient client, NetworkStream stream) : IWorkerChannel
    {
        public Stream Send => stream;

        public Stream Receive => stream;

        public int? ProcessId => null;

        public Task<string> DescribeEndAsync(TimeSpan wait) => Task.FromResult("closed the connection");

        public void Abandon() => client.Dispose();

        public void Dispose() => client.Dispose();
    }
}
