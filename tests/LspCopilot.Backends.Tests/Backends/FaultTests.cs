using LspCopilot.Backends.Tests.StandIns;
using LspCopilot.Completion;
using LspCopilot.TestSupport;

namespace LspCopilot.Backends.Tests.Backends;

/// <summary>
/// Every backend against every way a server can fail mid-answer: each ends in a clear message (a
/// <see cref="ModelLoadException"/>, which the LSP server turns into an empty list and one message), never a hang or a
/// crash, with memory bounded (a 100 MB answer is not read to its end).
/// </summary>
public sealed class FaultTests
{
    public static TheoryData<string, StreamFault, string> Cases()
    {
        var data = new TheoryData<string, StreamFault, string>();
        foreach (var kind in AnyStandIn.Kinds)
        {
            data.Add(kind, StreamFault.CutInTheMiddle, "broke in the middle of an answer");
            data.Add(kind, StreamFault.EndsEarly, "ended the stream before the answer was complete");
            data.Add(kind, StreamFault.Malformed, "not JSON");
            data.Add(kind, StreamFault.NeverAnswers, "did not answer within 1 s");
            data.Add(kind, StreamFault.GoesSilent, "went silent for 1 s");
            data.Add(kind, StreamFault.HugeLine, "line longer than 1024 KiB");
            data.Add(kind, StreamFault.Flood, "ignored the token limit");
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Complete_ServerFault_ClearMessageNoHang(string kind, StreamFault fault, string expected)
    {
        await using var server = await AnyStandIn.StartAsync(kind);
        server.Script.Fault = fault;
        using var engine = TestBackends.Create(kind, server.Url, stallSeconds: 1);

        var error = await Assert.ThrowsAsync<ModelLoadException>(() => engine.CompleteAsync(TestBackends.Request(), null, TestContext.Current.CancellationToken).NoHang());

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Contains(server.Url, error.Message, StringComparison.Ordinal);
        Assert.True(server.Server.BytesSent < Script.HundredMegabytes / 2, $"{server.Server.BytesSent} bytes were sent: the answer was read on after the limit.");
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Complete_AfterAFault_NextRequestCompletes(string kind)
    {
        await using var server = await AnyStandIn.StartAsync(kind);
        server.Script.Fault = StreamFault.CutInTheMiddle;
        using var engine = TestBackends.Create(kind, server.Url, stallSeconds: 1);
        await Assert.ThrowsAsync<ModelLoadException>(() => engine.CompleteAsync(TestBackends.Request(), null, TestContext.Current.CancellationToken).NoHang());

        server.Script.Fault = StreamFault.None;
        var result = await engine.CompleteAsync(TestBackends.Request(), null, TestContext.Current.CancellationToken).NoHang();

        Assert.Equal(server.Script.Text, result.Text);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Complete_Cancelled_AbortsTheRequestAtTheServer(string kind)
    {
        await using var server = await AnyStandIn.StartAsync(kind);
        server.Script.Fault = StreamFault.GoesSilent;
        // Limits far beyond the test's patience: only aborting the request can end it in time.
        using var engine = TestBackends.Create(kind, server.Url, stallSeconds: 600, limits: TestBackends.Limits with { Generation = TimeSpan.FromMinutes(10) });
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var firstText = new TaskCompletionSource();
        var running = engine.CompleteAsync(TestBackends.Request(), _ => firstText.TrySetResult(), cancel.Token);
        await firstText.Task.NoHang();

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running.NoHang());
        Assert.True(await Eventually.TrueAsync(() => server.Server.InFlight == 0), "The stand-in still has the cancelled request open.");
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Complete_BodyLeftOpenAfterTheFinalChunk_AnswerKept(string kind)
    {
        await using var server = await AnyStandIn.StartAsync(kind);
        server.Script.Fault = StreamFault.SilentAfterTheEnd;
        using var engine = TestBackends.Create(kind, server.Url, stallSeconds: 1);

        var result = await engine.CompleteAsync(TestBackends.Request(), null, TestContext.Current.CancellationToken).NoHang();

        Assert.Equal(server.Script.Text, result.Text);
        Assert.Equal(StopReason.EndOfGeneration, result.Reason);
    }

    public static TheoryData<string> Kinds() => [.. AnyStandIn.Kinds];
}
