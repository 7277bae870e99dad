namespace LspCopilot.Backends.Engines;

/// <summary>
/// Keeps each client (LSP session) at one open request to the server when it types on. The server's request queue
/// cancels a superseded request before the next one starts, but the cancelled request's HTTP exchange ends a moment
/// later (its connection is closed on another thread), so the next request waits for that — never for a request that
/// still runs uncancelled (another document's), and never longer than two seconds.
/// </summary>
internal sealed class ClientTurns
{
    private static readonly TimeSpan s_maxWait = TimeSpan.FromSeconds(2);
    private readonly object _lock = new();
    private readonly Dictionary<string, Turn> _last = new(StringComparer.Ordinal);

    /// <summary>Waits for the client's cancelled request, if any, to close; the returned turn ends this request's.</summary>
    public async Task<IDisposable> BeginAsync(string? clientId, CancellationToken cancellationToken)
    {
        var key = clientId ?? string.Empty;
        var turn = new Turn(this, key, cancellationToken);
        Turn? previous;
        lock (_lock)
        {
            _last.TryGetValue(key, out previous);
            _last[key] = turn;
        }

        if (previous is { Cancelled: true, Ended.IsCompleted: false })
        {
            try
            {
                await previous.Ended.WaitAsync(s_maxWait, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // It is taking long to close: go on rather than keep the user waiting.
            }
        }

        return turn;
    }

    private void End(Turn turn)
    {
        lock (_lock)
        {
            if (_last.TryGetValue(turn.Key, out var current) && ReferenceEquals(current, turn))
            {
                _last.Remove(turn.Key);
            }
        }
    }

    private sealed class Turn(ClientTurns owner, string key, CancellationToken token) : IDisposable
    {
        private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string Key => key;

        public bool Cancelled => token.IsCancellationRequested;

        public Task Ended => _ended.Task;

        public void Dispose()
        {
            owner.End(this);
            _ended.TrySetResult();
        }
    }
}
