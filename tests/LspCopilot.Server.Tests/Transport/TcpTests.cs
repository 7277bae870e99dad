using System.Net.Sockets;
using System.Net;
using System.Text.Json;
using System.Text;
using LspCopilot.Completion;
using LspCopilot.Engine;
using LspCopilot.Server.Hosting;
using LspCopilot.Server.Protocol;
using LspCopilot.Server.Rpc;
using LspCopilot.TestSupport;

namespace LspCopilot.Server.Tests.Transport;

/// <summary>The TCP listener over real loopback sockets, with the real engine shared by every client.</summary>
public sealed class TcpTests : IAsyncLifetime
{
    private const string Source = "class Story\n{\n    void Tell()\n    {\n        var text = \n        \n    }\n}\n";
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _sockets = [];
    private ModelHost? _model;
    private Task? _listening;
    private int _port;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    private async Task<TcpLspListener> StartAsync(string? token = null, int maxClients = 8, GenerationOptions? generation = null, int maxPending = TcpLspListener.DefaultMaxPending)
    {
        _model = new ModelHost(new EngineOptions { ModelPath = TestModels.Require(TestModels.Fim) }, ServerLog.Silent, Composition.InProcess);
        var listener = new TcpLspListener(new TcpEndpoint(IPAddress.Loopback, 0), token, maxClients, _model, generation ?? new GenerationOptions(), ServerLog.Silent, maxPending: maxPending);
        listener.Start();
        _port = listener.LocalEndpoint!.Port;
        _listening = listener.RunAsync(_stop.Token);
        await Task.Yield();
        return listener;
    }

    private async Task<(TcpClient Socket, RawLspClient Client)> ConnectAsync()
    {
        var socket = new TcpClient();
        await socket.ConnectAsync(IPAddress.Loopback, _port);
        _sockets.Add(socket);
        var stream = socket.GetStream();
        return (socket, new RawLspClient(stream, stream));
    }

    private static Task OpenAsync(RawLspClient client, string uri) =>
        client.NotifyAsync(LspMethods.DidOpen, new { textDocument = new { uri, languageId = "csharp", version = 1, text = Source } });

    private static object Inline(string uri, int line, int character, string? token = null) =>
        new { textDocument = new { uri }, position = new { line, character }, partialResultToken = token };

    [Fact]
    public async Task TwoClients_CompleteConcurrently_EachGetsItsOwnAnswer()
    {
        await StartAsync();
        var (_, a) = await ConnectAsync();
        var (_, b) = await ConnectAsync();
        await a.InitializeAsync();
        await b.InitializeAsync();
        await OpenAsync(a, "file:///a/Story.cs");
        await OpenAsync(b, "file:///b/Story.cs");

        var answers = await Task.WhenAll(
            a.RequestAsync(LspMethods.InlineCompletion, Inline("file:///a/Story.cs", 4, 19)),
            b.RequestAsync(LspMethods.InlineCompletion, Inline("file:///b/Story.cs", 4, 19)));

        foreach (var answer in answers)
        {
            Assert.False(string.IsNullOrWhiteSpace(answer.GetProperty("result").GetProperty("items")[0].GetProperty("insertText").GetString()), answer.ToString());
        }
    }

    [Fact]
    public async Task WrongToken_ErrorResponseThenClosed()
    {
        await StartAsync(token: "s3cret");
        var (_, client) = await ConnectAsync();

        var answer = await client.RequestAsync(LspMethods.Initialize, new { capabilities = new { }, initializationOptions = new { authToken = "guess" } });
        await client.Closed.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(ConnectionGate.Unauthorized, answer.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Contains("authToken", answer.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingToken_Refused()
    {
        await StartAsync(token: "s3cret");
        var (_, client) = await ConnectAsync();

        var answer = await client.RequestAsync(LspMethods.Initialize, new { capabilities = new { } });

        Assert.Equal(ConnectionGate.Unauthorized, answer.GetProperty("error").GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task RightToken_Served()
    {
        await StartAsync(token: "s3cret");
        var (_, client) = await ConnectAsync();

        await client.InitializeAsync(new { authToken = "s3cret" });
        var shutdown = await client.RequestAsync(LspMethods.Shutdown, null);

        Assert.True(shutdown.TryGetProperty("result", out _));
    }

    [Fact]
    public async Task RequestBeforeInitialize_RefusedBeforeAnyHandlerRuns()
    {
        await StartAsync(token: "s3cret");
        var (_, client) = await ConnectAsync();

        var answer = await client.RequestAsync(LspMethods.InlineCompletion, Inline("file:///a.cs", 0, 0));
        await client.Closed.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(ConnectionGate.Unauthorized, answer.GetProperty("error").GetProperty("code").GetInt32());
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")]
    [InlineData("Origin: http://example.com\r\nContent-Length: 2\r\n\r\n{}")]
    public async Task HttpOrBrowserTraffic_ClosedAtOnce(string bytes)
    {
        await StartAsync();
        var (socket, _) = await ConnectAsync();
        var stream = socket.GetStream();

        await stream.WriteAsync(Encoding.ASCII.GetBytes(bytes));
        var buffer = new byte[256];
        var read = await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(0, read);
    }

    [Fact]
    public async Task ClientDroppedMidStream_ItsWorkIsCancelled_OthersStillServed()
    {
        await StartAsync(generation: new GenerationOptions { MaxTokens = 100_000 });
        var (dropped, a) = await ConnectAsync();
        var (_, b) = await ConnectAsync();
        await a.InitializeAsync();
        await b.InitializeAsync();
        await OpenAsync(a, "file:///a/Story.cs");
        await OpenAsync(b, "file:///b/Story.cs");
        await a.StartRequestAsync(LspMethods.InlineCompletion, Inline("file:///a/Story.cs", 5, 8, "endless"));
        await a.WaitForAsync(m => RawLspClient.IsNotification(m, LspMethods.Progress));
        var scheduler = Assert.IsType<EngineScheduler>(await _model!.EngineAsync);

        dropped.Client.Close();
        var answer = await b.RequestAsync(LspMethods.InlineCompletion, Inline("file:///b/Story.cs", 4, 19));

        Assert.True(answer.TryGetProperty("result", out _), answer.ToString());
        Assert.Equal(1, scheduler.Stats.Cancelled);
    }

    [Fact]
    public async Task MaxClients_ExtraClientGetsAnErrorAnswerThenIsClosed()
    {
        await StartAsync(maxClients: 1);
        var (_, first) = await ConnectAsync();
        await first.InitializeAsync();
        var (_, extra) = await ConnectAsync();

        var (_, answer) = await extra.StartRequestAsync(LspMethods.Initialize, new { capabilities = new { } });
        var error = (await answer.WaitAsync(TimeSpan.FromSeconds(20))).GetProperty("error");
        await extra.Closed.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(LspErrorCodes.RequestFailed, error.GetProperty("code").GetInt32());
        Assert.Contains("--max-clients", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task IdleConnections_HoldNoClientSlot_AClientThatSpeaksIsServed()
    {
        await StartAsync(maxClients: 1);
        for (var i = 0; i < 4; i++)
        {
            await ConnectAsync(); // Connects and never sends a byte.
        }

        var (_, client) = await ConnectAsync();
        await client.InitializeAsync();
        var answer = await client.RequestAsync(LspMethods.Shutdown, null);

        Assert.Equal(JsonValueKind.Null, answer.GetProperty("result").ValueKind);
    }

    [Fact]
    public async Task ManyIdleConnections_TheOldestAreClosed_ANewClientIsStillServed()
    {
        await StartAsync(maxClients: 1, maxPending: 4);
        var (oldest, _) = await ConnectAsync();
        for (var i = 0; i < 6; i++)
        {
            await ConnectAsync();
        }

        var (_, client) = await ConnectAsync();
        await client.InitializeAsync();
        var read = await oldest.GetStream().ReadAsync(new byte[16]).AsTask().WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(0, read);
        Assert.Equal(JsonValueKind.Null, (await client.RequestAsync(LspMethods.Shutdown, null)).GetProperty("result").ValueKind);
    }

    [Fact]
    public void NonLoopbackWithoutToken_RefusedBeforeBinding()
    {
        var error = Assert.Throws<ArgumentException>(() => TcpLspListener.Validate(TcpEndpoint.Parse("0.0.0.0:7007"), token: null));

        Assert.Contains("--token-file", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("7007", "127.0.0.1:7007")]
    [InlineData("localhost:7007", "127.0.0.1:7007")]
    [InlineData("0.0.0.0:80", "0.0.0.0:80")]
    [InlineData("[::1]:9000", "[::1]:9000")]
    public void Endpoint_Parse_DefaultsToLoopback(string text, string expected)
    {
        Assert.Equal(expected, TcpEndpoint.Parse(text).ToString());
    }

    [Fact]
    public async Task Process_NonLoopbackWithoutToken_ExitsWithTheReason()
    {
        var (exitCode, _, stderr) = await ServerProcess.RunAsync("--tcp", "0.0.0.0:0");

        Assert.Equal(2, exitCode);
        Assert.Contains("without a token", stderr, StringComparison.Ordinal);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var socket in _sockets)
        {
            socket.Dispose();
        }

        await _stop.CancelAsync();
        if (_listening is not null)
        {
            await _listening.WaitAsync(TimeSpan.FromSeconds(20));
        }

        _model?.Dispose();
        _stop.Dispose();
    }
}
