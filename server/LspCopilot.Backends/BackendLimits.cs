namespace LspCopilot.Backends;

/// <summary>
/// How long a model server may take and how much it may send. The defaults suit a server on the LAN or the same
/// machine; <see cref="Silence"/> follows <c>--stall-timeout</c>.
/// </summary>
public sealed record BackendLimits
{
    /// <summary>Opening a TCP connection (a dead host answers nothing at all).</summary>
    public TimeSpan Connect { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// The longest the server may stay silent: before its response headers and between two reads of a stream. A cold
    /// Ollama sends its headers only after loading the model, so this is long; a keystroke cancels the wait anyway.
    /// </summary>
    public TimeSpan Silence { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The longest one suggestion may stream before it is cut (the server is also told, where it takes a time limit).</summary>
    public TimeSpan Generation { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Discovery calls (/health, /props, /v1/models, /api/show) and token counting.</summary>
    public TimeSpan Discovery { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Waits before retrying a request whose connection could not be opened (then the circuit breaker opens).</summary>
    public IReadOnlyList<TimeSpan> Retries { get; init; } = [TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(400)];

    /// <summary>How long the breaker stays open after the server was found dead; doubled on each failed trial up to <see cref="MaxCooldown"/>.</summary>
    public TimeSpan Cooldown { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxCooldown { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Most bytes one response may carry (a suggestion is a few KiB; a broken server may send without end).</summary>
    public long ResponseBytes { get; init; } = 16 * 1024 * 1024;

    /// <summary>Most bytes of one SSE or NDJSON line.</summary>
    public int LineBytes { get; init; } = 1024 * 1024;

    /// <summary>Most bytes of an error body read for its message.</summary>
    public int ErrorBytes { get; init; } = 64 * 1024;

    /// <summary>What a remote backend assumes when the server reports no context size and --context-size is not given.</summary>
    public int DefaultContext { get; init; } = 4096;

    /// <summary>How long Ollama keeps the model loaded after a request (its default, 5 minutes, unloads it during a coffee).</summary>
    public string OllamaKeepAlive { get; init; } = "30m";
}
