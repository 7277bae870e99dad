using LspCopilot.Backends.Engines;

namespace LspCopilot.Backends.Tests.Engines;

public sealed class ClientTurnsTests
{
    [Fact]
    public async Task Begin_PreviousRequestCancelled_WaitsUntilItHasClosed()
    {
        var turns = new ClientTurns();
        using var superseded = new CancellationTokenSource();
        var first = await turns.BeginAsync("session-1", superseded.Token);
        await superseded.CancelAsync();

        var second = turns.BeginAsync("session-1", TestContext.Current.CancellationToken);
        await Task.Delay(50, TestContext.Current.CancellationToken);
        Assert.False(second.IsCompleted);
        first.Dispose();

        (await second.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken)).Dispose();
    }

    [Fact]
    public async Task Begin_PreviousRequestStillWanted_DoesNotWait()
    {
        var turns = new ClientTurns();
        using var first = await turns.BeginAsync("session-1", TestContext.Current.CancellationToken);

        var second = turns.BeginAsync("session-1", TestContext.Current.CancellationToken);

        Assert.True(second.IsCompletedSuccessfully);
        (await second).Dispose();
    }

    [Fact]
    public async Task Begin_OtherClientsCancelledRequest_DoesNotWait()
    {
        var turns = new ClientTurns();
        using var cancelled = new CancellationTokenSource();
        using var first = await turns.BeginAsync("session-1", cancelled.Token);
        await cancelled.CancelAsync();

        var other = turns.BeginAsync("session-2", TestContext.Current.CancellationToken);

        Assert.True(other.IsCompletedSuccessfully);
        (await other).Dispose();
    }
}
