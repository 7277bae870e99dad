namespace LspCopilot.Completion;

/// <summary>
/// Waits for a pause in typing before engine work when the engine is slower than the typing, so that work the next
/// keystroke would cancel is never started; no wait when the engine keeps up. It learns the typing interval (gaps
/// between requests, pauses over <see cref="PauseGap"/> left out) and the engine's latency (answered requests, as
/// moving averages; a request cancelled while the engine worked on it says the latency is at least that long), and
/// counts the requests cancelled in a row while the engine worked on them — in a storm of keystrokes nothing is ever
/// answered, and <see cref="CancelledInRowToWait"/> of them say the engine is not keeping up. Then it waits a little
/// longer than one typing interval, at most the configured bound, until a request is answered. Thread-safe.
/// </summary>
public sealed class AdaptiveDebounce
{
    /// <summary>A gap this long is a pause, not typing: it says nothing about the typing rate.</summary>
    public static readonly TimeSpan PauseGap = TimeSpan.FromSeconds(1);

    /// <summary>The wait, in typing intervals: long enough that the next keystroke of a steady typist comes first.</summary>
    public const double IntervalsToWait = 1.25;

    /// <summary>Requests cancelled in a row while the engine worked on them that show the engine is slower than the typing.</summary>
    public const int CancelledInRowToWait = 2;

    /// <summary>Weight of the newest sample in the moving averages.</summary>
    private const double Alpha = 0.3;

    private readonly object _lock = new();
    private long? _lastRequest;
    private double? _typingMs;
    private double? _latencyMs;
    private int _cancelledInRow;
    private (string Uri, string Typed)? _lastAnswer;

    /// <summary>The typing interval learned so far (null: not typing yet).</summary>
    public TimeSpan? TypingInterval
    {
        get
        {
            lock (_lock)
            {
                return _typingMs is { } ms ? TimeSpan.FromMilliseconds(ms) : null;
            }
        }
    }

    /// <summary>The engine latency learned so far (null: no request finished yet).</summary>
    public TimeSpan? EngineLatency
    {
        get
        {
            lock (_lock)
            {
                return _latencyMs is { } ms ? TimeSpan.FromMilliseconds(ms) : null;
            }
        }
    }

    /// <summary>A request arrived at <paramref name="timestamp"/> (<see cref="System.Diagnostics.Stopwatch.GetTimestamp"/>).</summary>
    public void OnRequest(long timestamp)
    {
        lock (_lock)
        {
            if (_lastRequest is { } last)
            {
                var gap = System.Diagnostics.Stopwatch.GetElapsedTime(last, timestamp);
                if (gap > TimeSpan.Zero && gap < PauseGap)
                {
                    _typingMs = Average(_typingMs, gap.TotalMilliseconds);
                }
            }

            _lastRequest = timestamp;
        }
    }

    /// <summary>The engine answered a request in <paramref name="latency"/> (cancelled requests say nothing of it).</summary>
    public void OnAnswered(TimeSpan latency)
    {
        lock (_lock)
        {
            _latencyMs = Average(_latencyMs, latency.TotalMilliseconds);
            _cancelledInRow = 0;
        }
    }

    /// <summary>A request was cancelled after the engine had worked on it for <paramref name="ranFor"/> (not one cancelled while it waited).</summary>
    public void OnCancelled(TimeSpan ranFor)
    {
        lock (_lock)
        {
            _cancelledInRow++;
            if (ranFor.TotalMilliseconds > (_latencyMs ?? 0))
            {
                _latencyMs = ranFor.TotalMilliseconds;
            }
        }
    }

    /// <summary>
    /// The suggestion answered for <paramref name="uri"/> after <paramref name="lineBefore"/> (the cursor's line up to it):
    /// typing it on is answered from the result cache and must not wait.
    /// </summary>
    public void RememberAnswer(string uri, string lineBefore, string suggestion)
    {
        lock (_lock)
        {
            _lastAnswer = suggestion.Length == 0 ? null : (uri, lineBefore + suggestion);
        }
    }

    /// <summary>True when the cursor's line up to it (<paramref name="lineBefore"/>) types on the last answered suggestion.</summary>
    public bool IsTypingThrough(string uri, string lineBefore)
    {
        lock (_lock)
        {
            return _lastAnswer is { } last && last.Uri == uri && lineBefore.Length > 0 && last.Typed.StartsWith(lineBefore, StringComparison.Ordinal);
        }
    }

    /// <summary>How long to wait before starting engine work, at most <paramref name="max"/> (zero or less: never).</summary>
    public TimeSpan Delay(TimeSpan max)
    {
        lock (_lock)
        {
            var slow = _cancelledInRow >= CancelledInRowToWait || _latencyMs > _typingMs;
            if (max <= TimeSpan.Zero || _typingMs is not { } typing || !slow)
            {
                return TimeSpan.Zero;
            }

            return TimeSpan.FromMilliseconds(Math.Min(max.TotalMilliseconds, typing * IntervalsToWait));
        }
    }

    private static double Average(double? current, double sample) => current is { } c ? c + Alpha * (sample - c) : sample;
}
