namespace LspCopilot.Engine.Speculation;

/// <summary>
/// Decides how many tokens one draft source may guess, and whether it guesses at all. The length grows while whole drafts
/// are accepted and falls back to what was accepted when one is rejected. The source pauses (plain decoding) when drafts
/// keep being rejected outright, or when a verification step costs more per token it yields than a plain decode does;
/// each pause is twice as long as the one before, until a step pays again. Lives as long as the engine, so what it learnt
/// carries over from one request to the next.
/// </summary>
internal sealed class DraftGovernor(int shortest = 2, int longest = 16, int first = 6)
{
    private const double Smoothing = 0.2;
    private const int FirstPause = 16;
    private const int LongestPause = 512;
    private const int RejectionsBeforePause = 3;

    /// <summary>Steps after which a source whose cost cannot be compared yet (no plain decode measured) pauses briefly to measure one.</summary>
    private const int StepsBeforeProbe = 8;

    private int _length = Math.Clamp(first, shortest, longest);
    private int _pause;
    private int _nextPause = FirstPause;
    private int _rejectedInARow;
    private double _plainMs;
    private int _plainSamples;
    private double _stepMs;
    private double _stepTokens;
    private int _steps;

    /// <summary>Whether the source is paused now.</summary>
    public bool Paused => _pause > 0;

    /// <summary>How many tokens to guess now: 0 while paused, never more than <paramref name="room"/>.</summary>
    public int Length(int room) => _pause > 0 ? 0 : Math.Min(_length, room);

    /// <summary>
    /// A token decoded without a draft took <paramref name="elapsed"/>. Right after a verification step
    /// (<paramref name="afterStep"/>) it is no plain sample: it pays for the change of batch shape, and what it took over a
    /// plain decode is added to the step's cost when the step was this source's (<paramref name="charged"/>).
    /// </summary>
    public void Plain(TimeSpan elapsed, bool afterStep = false, bool charged = false)
    {
        if (!afterStep || _plainSamples == 0)
        {
            _plainMs = _plainSamples == 0 ? elapsed.TotalMilliseconds : Blend(_plainMs, elapsed.TotalMilliseconds);
            _plainSamples++;
        }
        else if (charged && elapsed.TotalMilliseconds > _plainMs)
        {
            var extra = elapsed.TotalMilliseconds - _plainMs;
            _stepMs += extra * Smoothing;
        }

        if (_pause > 0)
        {
            _pause--;
        }
    }

    /// <summary>
    /// A verification step guessed <paramref name="drafted"/> tokens, <paramref name="accepted"/> of them were right,
    /// and drafting plus verifying took <paramref name="elapsed"/>.
    /// </summary>
    public void Step(int drafted, int accepted, TimeSpan elapsed)
    {
        // Time and tokens are averaged apart and compared as a ratio: an average of each step's time per token would let
        // one step that yielded a single token outweigh a step that yielded twenty.
        _stepMs = _steps == 0 ? elapsed.TotalMilliseconds : Blend(_stepMs, elapsed.TotalMilliseconds);
        _stepTokens = _steps == 0 ? accepted + 1 : Blend(_stepTokens, accepted + 1);
        _steps++;
        _length = accepted == drafted ? Math.Min(longest, _length * 2) : Math.Max(shortest, accepted + 1);
        _rejectedInARow = accepted == 0 ? _rejectedInARow + 1 : 0;

        if (_rejectedInARow >= RejectionsBeforePause)
        {
            Pause(_nextPause);
        }
        else if (_plainSamples >= 3 && _steps >= 4)
        {
            if (_stepMs > _plainMs * _stepTokens)
            {
                Pause(_nextPause);
            }
            else
            {
                _nextPause = FirstPause;
            }
        }
        else if (_plainSamples < 3 && _steps >= StepsBeforeProbe)
        {
            // Nothing to compare with yet: decode a few tokens plainly to learn what a token costs without drafts.
            _pause = 4;
            _steps = 0;
        }
    }

    /// <summary>
    /// Pauses for <paramref name="tokens"/> plain tokens. The averages stay: the first step after the pause is judged at
    /// once with them (judging afresh took four more steps, each a loss while drafts still do not pay).
    /// </summary>
    private void Pause(int tokens)
    {
        _pause = tokens;
        _nextPause = Math.Min(LongestPause, tokens * 2);
        _rejectedInARow = 0;
    }

    private static double Blend(double average, double sample) => average + (Smoothing * (sample - average));
}
