using System.Diagnostics;

namespace LspCopilot.Completion.Tests;

public sealed class AdaptiveDebounceTests
{
    private static readonly TimeSpan s_max = TimeSpan.FromMilliseconds(300);

    /// <summary>Requests <paramref name="gapMs"/> apart on a synthetic clock (timestamps, never the wall clock).</summary>
    private static AdaptiveDebounce Typing(double gapMs, int keys, double? latencyMs)
    {
        var debounce = new AdaptiveDebounce();
        var ticksPerMs = Stopwatch.Frequency / 1000.0;
        for (var i = 0; i < keys; i++)
        {
            debounce.OnRequest((long)(1_000_000 + i * gapMs * ticksPerMs));
        }

        if (latencyMs is { } ms)
        {
            debounce.OnAnswered(TimeSpan.FromMilliseconds(ms));
        }

        return debounce;
    }

    [Fact]
    public void Delay_EngineSlowerThanTyping_WaitsSomewhatMoreThanOneKeystroke()
    {
        var delay = Typing(50, 10, latencyMs: 200).Delay(s_max);

        Assert.Equal(50 * AdaptiveDebounce.IntervalsToWait, delay.TotalMilliseconds, 1);
    }

    [Fact]
    public void Delay_EngineFasterThanTyping_NoWait()
    {
        Assert.Equal(TimeSpan.Zero, Typing(200, 10, latencyMs: 40).Delay(s_max));
    }

    [Fact]
    public void Delay_SlowTypingAndSlowEngine_BoundedByTheSetting()
    {
        Assert.Equal(s_max, Typing(600, 10, latencyMs: 2000).Delay(s_max));
    }

    [Fact]
    public void Delay_SettingZero_NeverWaits()
    {
        Assert.Equal(TimeSpan.Zero, Typing(50, 10, latencyMs: 200).Delay(TimeSpan.Zero));
    }

    [Fact]
    public void Delay_NothingLearnedYet_NoWait()
    {
        Assert.Equal(TimeSpan.Zero, Typing(50, 10, latencyMs: null).Delay(s_max));
        Assert.Equal(TimeSpan.Zero, Typing(50, 1, latencyMs: 200).Delay(s_max));
    }

    [Fact]
    public void OnRequest_PausesAreNotTyping()
    {
        var debounce = Typing(5000, 5, latencyMs: 200);

        Assert.Null(debounce.TypingInterval);
        Assert.Equal(TimeSpan.Zero, debounce.Delay(s_max));
    }

    [Fact]
    public void Delay_RequestsCancelledInARowWhileTheEngineWorked_WaitsUntilOneIsAnswered()
    {
        var debounce = Typing(50, 10, latencyMs: null);
        debounce.OnCancelled(TimeSpan.FromMilliseconds(10));
        Assert.Equal(TimeSpan.Zero, debounce.Delay(s_max));

        debounce.OnCancelled(TimeSpan.FromMilliseconds(10));
        Assert.Equal(50 * AdaptiveDebounce.IntervalsToWait, debounce.Delay(s_max).TotalMilliseconds, 1);

        debounce.OnAnswered(TimeSpan.FromMilliseconds(20));
        Assert.Equal(TimeSpan.Zero, debounce.Delay(s_max));
    }

    [Fact]
    public void OnCancelled_RanLongerThanTheTyping_TheLatencyIsAtLeastThat()
    {
        var debounce = Typing(50, 10, latencyMs: 20);

        debounce.OnCancelled(TimeSpan.FromMilliseconds(80));

        Assert.Equal(80, debounce.EngineLatency!.Value.TotalMilliseconds, 1);
        Assert.NotEqual(TimeSpan.Zero, debounce.Delay(s_max));
    }

    [Fact]
    public void IsTypingThrough_LineTypesOnTheLastAnswer_TrueElsewhereFalse()
    {
        var debounce = new AdaptiveDebounce();
        debounce.RememberAnswer("file:///a.py", "    total = ", "sum(items)");

        Assert.True(debounce.IsTypingThrough("file:///a.py", "    total = su"));
        Assert.False(debounce.IsTypingThrough("file:///a.py", "    total = x"));
        Assert.False(debounce.IsTypingThrough("file:///b.py", "    total = su"));
    }
}
