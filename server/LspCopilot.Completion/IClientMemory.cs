namespace LspCopilot.Completion;

/// <summary>
/// An engine that keeps what each client decoded (a shared worker's per-client KV sequences) and can let it go when
/// the client goes away, so its cells serve the clients still connected instead of waiting to be evicted — and, on a
/// CPU, llama.cpp's attention no longer walks past them on every token of everybody else.
/// </summary>
public interface IClientMemory
{
    /// <summary>Forgets what the engine keeps for every client whose id starts with <paramref name="clientIdPrefix"/> (a connection's id and its separator); a request of theirs still running keeps its tokens until it ends.</summary>
    Task ForgetClientsAsync(string clientIdPrefix, CancellationToken cancellationToken);
}
