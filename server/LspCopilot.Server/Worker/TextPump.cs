namespace LspCopilot.Server.Worker;

/// <summary>
/// Sends a completion's growing text to the client in order, one message at a time: the first text
/// goes out at once; texts that arrive while a send is in flight are merged into the next one, so a
/// fast model never queues thousands of messages behind a slow pipe. Each message carries only what
/// changed (where the text differs from the last one sent, and the rest).
/// </summary>
internal sealed class TextPump(Func<int, string, Task> send)
{
    private readonly object _lock = new();
    private string _sent = string.Empty;
    private string? _latest;
    private Task _pumping = Task.CompletedTask;
    private bool _running;
    private bool _broken;

    /// <summary>Called on the engine's thread after each token; never blocks on the connection.</summary>
    public void Post(string text)
    {
        lock (_lock)
        {
            _latest = text;
            if (_running || _broken)
            {
                return;
            }

            _running = true;
            _pumping = PumpAsync();
        }
    }

    /// <summary>Completes once everything posted so far has been handed to the connection.</summary>
    public async Task FlushAsync()
    {
        while (true)
        {
            Task pumping;
            lock (_lock)
            {
                if (!_running)
                {
                    return;
                }

                pumping = _pumping;
            }

            await pumping.ConfigureAwait(false);
        }
    }

    private async Task PumpAsync()
    {
        while (true)
        {
            string next;
            lock (_lock)
            {
                if (_broken || _latest is null || string.Equals(_latest, _sent, StringComparison.Ordinal))
                {
                    _running = false;
                    return;
                }

                next = _latest;
            }

            var start = CommonPrefixLength(_sent, next);
            try
            {
                await send(start, next[start..]).ConfigureAwait(false);
            }
            catch (Exception)
            {
                // The connection is gone: the request itself fails or is cancelled through the same connection.
                lock (_lock)
                {
                    _broken = true;
                    _running = false;
                }

                return;
            }

            _sent = next;
        }
    }

    internal static int CommonPrefixLength(string a, string b) => a.AsSpan().CommonPrefixLength(b);
}
