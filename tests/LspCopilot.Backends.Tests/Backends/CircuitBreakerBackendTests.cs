using System.Net;
using System.Net.Sockets;
using LspCopilot.Backends.Tests.StandIns;
using LspCopilot.Completion;
using LspCopilot.TestSupport;

namespace LspCopilot.Backends.Tests.Backends;

/// <summary>A dead server costs one clear message and quick empty answers, not a wait per keystroke; a server that comes back is used again.</summary>
public sealed class CircuitBreakerBackendTests
{
    [Fact]
    public async Task Complete_NothingListening_SaysConnectionRefusedAndWhatToCheck()
    {
        var port = FreePort();
        using var engine = TestBackends.Create(BackendOptions.LlamaServer, $"http://127.0.0.1:{port}");

        var error = await Assert.ThrowsAsync<ModelLoadException>(() => engine.CompleteAsync(TestBackends.Request(), null, TestContext.Current.CancellationToken).NoHang());

        Assert.Contains($"Cannot reach the llama-server at http://127.0.0.1:{port}: connection refused.", error.Message, StringComparison.Ordinal);
        Assert.Contains("Suggestions are off until it answers", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(FaultTests.Kinds), MemberType = typeof(FaultTests))]
    public async Task Complete_DeadServer_LaterKeystrokesFailWithoutReachingIt(string kind)
    {
        await using var server = await AnyStandIn.StartAsync(kind);
        using var engine = TestBackends.Create(kind, server.Url);
        await engine.CompleteAsync(TestBackends.Request(), null, TestContext.Current.CancellationToken).NoHang();
        server.Server.ForcedStatus = 502;
        var first = await Assert.ThrowsAsync<ModelLoadException>(() => engine.CompleteAsync(TestBackends.Request(), null, TestContext.Current.CancellationToken).NoHang());
        var reached = server.Server.Requests.Count;

        for (var i = 0; i < 20; i++)
        {
            var later = await Assert.ThrowsAsync<ModelLoadException>(() => engine.CompleteAsync(TestBackends.Request(), null, TestContext.Current.CancellationToken).NoHang());
            Assert.Contains("Suggestions are off until it answers", later.Message, StringComparison.Ordinal);
        }

        Assert.Contains("502", first.Message, StringComparison.Ordinal);
        Assert.Equal(reached, server.Server.Requests.Count);
    }

    [Fact]
    public async Task Complete_ServerBackAfterCooldown_CompletesAgain()
    {
        await using var server = await LlamaServerStandIn.StartAsync();
        var limits = TestBackends.Limits with { Cooldown = TimeSpan.FromMilliseconds(100), MaxCooldown = TimeSpan.FromMilliseconds(200) };
        var (log, lines) = TestBackends.Recording();
        using var engine = TestBackends.Create(BackendOptions.LlamaServer, server.Url, limits: limits, log: log);
        server.Server.ForcedStatus = 502;
        await Assert.ThrowsAsync<ModelLoadException>(() => engine.CompleteAsync(TestBackends.Request(), null, TestContext.Current.CancellationToken).NoHang());

        server.Server.ForcedStatus = null;
        string? text = null;
        var back = await Eventually.TrueAsync(() =>
        {
            try
            {
                text = engine.CompleteAsync(TestBackends.Request(), null, TestContext.Current.CancellationToken).NoHang().GetAwaiter().GetResult().Text;
                return true;
            }
            catch (ModelLoadException)
            {
                return false;
            }
        });

        Assert.True(back, "The engine never used the server again.");
        Assert.Equal(server.Script.Text, text);
        Assert.Contains("answers again", lines.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CountTokens_BreakerOpen_EstimatesWithoutWaiting()
    {
        await using var server = await LlamaServerStandIn.StartAsync();
        using var engine = TestBackends.Create(BackendOptions.LlamaServer, server.Url);
        await engine.CompleteAsync(TestBackends.Request(), null, TestContext.Current.CancellationToken).NoHang();
        server.Server.ForcedStatus = 502;
        await Assert.ThrowsAsync<ModelLoadException>(() => engine.CompleteAsync(TestBackends.Request(), null, TestContext.Current.CancellationToken).NoHang());
        var reached = server.Server.Requests.Count;

        var counts = await engine.CountTokensAsync(["abcdefghi"], TestContext.Current.CancellationToken).NoHang();

        Assert.Equal([3], counts);
        Assert.Equal(reached, server.Server.Requests.Count);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
