using System.Diagnostics;
using LspCopilot.Backends.Http;

namespace LspCopilot.Backends.Tests.Http;

/// <summary>The breaker's states on a clock the test moves.</summary>
public sealed class CircuitBreakerTests
{
    private long _now = 1_000;

    private CircuitBreaker Breaker() => new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(4), () => _now);

    private void Advance(double seconds) => _now += (long)(seconds * Stopwatch.Frequency);

    [Fact]
    public void Enter_AfterDeadServer_RefusesAtOnceWithTheReason()
    {
        var breaker = Breaker();
        using (var pass = breaker.Enter())
        {
            pass.Dead("Cannot reach the llama-server at http://x: connection refused.");
        }

        var error = Assert.Throws<BackendException>(() => breaker.Enter());

        Assert.StartsWith("Cannot reach the llama-server at http://x: connection refused. Suggestions are off until it answers", error.Message, StringComparison.Ordinal);
        Assert.True(breaker.IsOpen);
    }

    [Fact]
    public void Enter_AfterCooldown_AdmitsOneTrialOnly()
    {
        var breaker = Breaker();
        breaker.Enter().Dead("dead.");
        Advance(1.1);

        using var trial = breaker.Enter();

        Assert.True(trial.Trial);
        Assert.Throws<BackendException>(() => breaker.Enter());
    }

    [Fact]
    public void TrialAlive_ClosesTheBreaker()
    {
        var breaker = Breaker();
        var changes = new List<bool>();
        breaker.Changed += (open, _) => changes.Add(open);
        breaker.Enter().Dead("dead.");
        Advance(1.1);

        breaker.Enter().Alive();

        Assert.False(breaker.IsOpen);
        using var next = breaker.Enter();
        Assert.False(next.Trial);
        Assert.Equal([true, false], changes);
    }

    [Fact]
    public void TrialDead_OpensAgainForTwiceAsLong()
    {
        var breaker = Breaker();
        breaker.Enter().Dead("dead.");
        Advance(1.1);
        breaker.Enter().Dead("still dead.");

        Advance(1.5);
        Assert.Throws<BackendException>(() => breaker.Enter());
        Advance(0.6);
        using var trial = breaker.Enter();
        Assert.True(trial.Trial);
    }

    [Fact]
    public void TrialCancelled_NextCallMayTry()
    {
        var breaker = Breaker();
        breaker.Enter().Dead("dead.");
        Advance(1.1);

        breaker.Enter().Dispose();

        using var next = breaker.Enter();
        Assert.True(next.Trial);
    }
}
