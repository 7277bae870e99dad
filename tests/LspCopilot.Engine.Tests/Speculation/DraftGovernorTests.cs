using LspCopilot.Engine.Speculation;

namespace LspCopilot.Engine.Tests.Speculation;

public sealed class DraftGovernorTests
{
    private static readonly TimeSpan s_plainToken = TimeSpan.FromMilliseconds(1);

    private static DraftGovernor Measured()
    {
        var governor = new DraftGovernor(63, 63, 63);
        for (var i = 0; i < 3; i++)
        {
            governor.Plain(s_plainToken);
        }

        return governor;
    }

    /// <summary>Steps of 4 ms that yield 2 tokens each (plain decoding: 1 ms a token), until the governor pauses (at most 6).</summary>
    private static DraftGovernor PausedByStepsThatDoNotPay()
    {
        var governor = Measured();
        for (var step = 0; step < 6 && !governor.Paused; step++)
        {
            governor.Step(63, 1, TimeSpan.FromMilliseconds(4));
        }

        return governor;
    }

    [Fact]
    public void Step_SomeLongRunsAmongFailedSteps_KeepsDraftingWhileTheyPayOverall()
    {
        // Every step costs 4 plain tokens; every other one yields 20 tokens, the others 1: 21 tokens for 8 ms, cheaper
        // than plain decoding. An average of each step's time per token (4 ms and 0.2 ms) would say it does not pay.
        var governor = Measured();
        for (var step = 0; step < 12; step++)
        {
            governor.Step(63, step % 2 == 0 ? 19 : 0, TimeSpan.FromMilliseconds(4));
            Assert.False(governor.Paused, $"paused after step {step}");
        }
    }

    [Fact]
    public void Step_StepsThatYieldLessThanTheyCost_Pause()
    {
        var governor = PausedByStepsThatDoNotPay();

        Assert.True(governor.Paused);
        Assert.Equal(0, governor.Length(63));
    }

    [Fact]
    public void Plain_SlowDecodeRightAfterAStep_ChargedToTheStepNotCountedAsPlain()
    {
        // Steps that would just pay (4 ms for 5 tokens at 1 ms a token) stop paying once the plain decode after each one
        // takes 2 ms longer (llama.cpp builds its graph again when the batch shape changes).
        var charged = Measured();
        var uncharged = Measured();
        for (var step = 0; step < 8; step++)
        {
            charged.Step(63, 4, TimeSpan.FromMilliseconds(4));
            uncharged.Step(63, 4, TimeSpan.FromMilliseconds(4));
            if (!charged.Paused)
            {
                charged.Plain(TimeSpan.FromMilliseconds(3), afterStep: true, charged: true);
            }

            uncharged.Plain(TimeSpan.FromMilliseconds(3), afterStep: true, charged: false);
        }

        Assert.True(charged.Paused);
        Assert.False(uncharged.Paused);
    }

    [Fact]
    public void Step_AfterAPause_JudgedAtOnceWithWhatWasLearnt()
    {
        var governor = PausedByStepsThatDoNotPay();

        Assert.True(governor.Paused);
        while (governor.Paused)
        {
            governor.Plain(s_plainToken);
        }

        // One more step that does not pay pauses it again, without four fresh steps first.
        governor.Step(63, 1, TimeSpan.FromMilliseconds(4));
        Assert.True(governor.Paused);
    }
}
