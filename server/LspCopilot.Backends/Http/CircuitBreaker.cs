using System.Diagnostics;

namespace LspCopilot.Backends.Http;

/// <summary>
/// Turns a dead model server into one quick answer per keystroke. Closed: calls go through. A call that finds the
/// server dead (after its retries) opens the breaker: for the cool-down every call fails at once with the reason
/// (no connection attempt, no wait). Then one call is let through as a trial; success closes the breaker, failure
/// opens it again for twice as long (up to a limit). A trial that is cancelled (the user typed on) lets the next call try.
/// </summary>
internal sealed class CircuitBreaker
{
    private readonly object _lock = new();
    private readonly Func<long> _clock;
    private readonly TimeSpan _cooldown;
    private readonly TimeSpan _maxCooldown;
    private long _openUntil;
    private TimeSpan _nextCooldown;
    private bool _open;
    private bool _trialRunning;
    private string _reason = string.Empty;

    public CircuitBreaker(TimeSpan cooldown, TimeSpan maxCooldown, Func<long>? clock = null)
    {
        _cooldown = cooldown;
        _maxCooldown = maxCooldown;
        _nextCooldown = cooldown;
        _clock = clock ?? Stopwatch.GetTimestamp;
    }

    /// <summary>Raised when the breaker opens (true, with the reason) or closes again (false).</summary>
    public event Action<bool, string>? Changed;

    public bool IsOpen
    {
        get
        {
            lock (_lock)
            {
                return _open;
            }
        }
    }

    /// <summary>Admits a call, or throws at once while the breaker is open. The pass tells the breaker how the call went.</summary>
    public Pass Enter()
    {
        lock (_lock)
        {
            if (!_open)
            {
                return new Pass(this, trial: false);
            }

            var now = _clock();
            if (now < _openUntil || _trialRunning)
            {
                var wait = Stopwatch.GetElapsedTime(now, Math.Max(_openUntil, now));
                throw new BackendException(
                    $"{_reason} Suggestions are off until it answers (next try in {Math.Max(1, Math.Ceiling(wait.TotalSeconds)):0} s).",
                    BackendFault.Unreachable)
                { FromBreaker = true };
            }

            _trialRunning = true;
            return new Pass(this, trial: true);
        }
    }

    private void Succeeded()
    {
        bool wasOpen;
        lock (_lock)
        {
            wasOpen = _open;
            _open = false;
            _trialRunning = false;
            _nextCooldown = _cooldown;
        }

        if (wasOpen)
        {
            Changed?.Invoke(false, string.Empty);
        }
    }

    private void Failed(string reason)
    {
        bool opened;
        lock (_lock)
        {
            opened = !_open;
            _open = true;
            _trialRunning = false;
            _reason = reason;
            _openUntil = _clock() + (long)(_nextCooldown.TotalSeconds * Stopwatch.Frequency);
            _nextCooldown = TimeSpan.FromTicks(Math.Min(_nextCooldown.Ticks * 2, _maxCooldown.Ticks));
        }

        if (opened)
        {
            Changed?.Invoke(true, reason);
        }
    }

    private void Abandoned(bool trial)
    {
        if (trial)
        {
            lock (_lock)
            {
                _trialRunning = false;
            }
        }
    }

    /// <summary>One admitted call. Report exactly one outcome; disposing without one counts as abandoned (e.g. cancelled).</summary>
    public sealed class Pass(CircuitBreaker owner, bool trial) : IDisposable
    {
        private bool _reported;

        public bool Trial => trial;

        /// <summary>The server answered (any HTTP status that is not a failure of its own).</summary>
        public void Alive()
        {
            if (!_reported)
            {
                _reported = true;
                owner.Succeeded();
            }
        }

        public void Dead(string reason)
        {
            if (!_reported)
            {
                _reported = true;
                owner.Failed(reason);
            }
        }

        public void Dispose()
        {
            if (!_reported)
            {
                _reported = true;
                owner.Abandoned(trial);
            }
        }
    }
}
