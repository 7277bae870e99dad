namespace LspCopilot.Engine.Batching;

/// <summary>An engine that can decode the completions of several clients together (<see cref="BatchRunner"/>).</summary>
internal interface IBatchingEngine
{
    /// <summary>
    /// Serves, together, the requests <paramref name="admit"/> hands over (it is given the clients already in the
    /// batch, and answers null when nobody else waits) until none is left; every request is answered through its
    /// own callbacks.
    /// </summary>
    Task RunBatchAsync(Func<IReadOnlyCollection<string>, BatchedRequest?> admit, CancellationToken cancellationToken);
}
