using System.Text.Json;
using LspCopilot.Server.Protocol;
using LspCopilot.TestSupport;
using StreamJsonRpc;

namespace LspCopilot.Server.Tests.EndToEnd;

public sealed class LifecycleTests
{
    [Fact]
    public async Task Initialize_AdvertisesInlineCompletionIncrementalSyncAndUtf16()
    {
        await using var server = InMemoryServer.Start(modelPath: null);
        var result = await server.Client.InitializeAsync();

        var capabilities = result.GetProperty("capabilities");
        Assert.True(capabilities.GetProperty("inlineCompletionProvider").GetBoolean());
        Assert.Equal("utf-16", capabilities.GetProperty("positionEncoding").GetString());
        Assert.Equal(2, capabilities.GetProperty("textDocumentSync").GetProperty("change").GetInt32());
        Assert.True(capabilities.GetProperty("textDocumentSync").GetProperty("openClose").GetBoolean());
        Assert.Equal("lspcopilot", result.GetProperty("serverInfo").GetProperty("name").GetString());
    }

    [Fact]
    public async Task Initialize_ClientWithoutInlineSupport_GetsCompletionProviderFallback()
    {
        await using var server = InMemoryServer.Start(modelPath: null);
        var result = await server.Client.InitializeAsync(inline: false);

        Assert.True(result.GetProperty("capabilities").TryGetProperty("completionProvider", out _));
    }

    [Fact]
    public async Task RequestBeforeInitialize_ServerNotInitialized()
    {
        await using var server = InMemoryServer.Start(modelPath: null);

        var code = await RpcAssert.ErrorCodeAsync(() => server.Client.InlineAsync("file:///a.cs", 0, 0));

        Assert.Equal(LspErrorCodes.ServerNotInitialized, code);
    }

    [Fact]
    public async Task RequestAfterShutdown_InvalidRequest()
    {
        await using var server = InMemoryServer.Start(modelPath: null);
        await server.Client.InitializeAsync();
        await server.Client.RequestAsync(LspMethods.Shutdown, null);

        var code = await RpcAssert.ErrorCodeAsync(() => server.Client.InlineAsync("file:///a.cs", 0, 0));

        Assert.Equal(LspErrorCodes.InvalidRequest, code);
    }

    [Fact]
    public async Task ExitAfterShutdown_ExitCodeZero()
    {
        await using var server = InMemoryServer.Start(modelPath: null);
        await server.Client.InitializeAsync();
        var shutdown = await server.Client.RequestAsync(LspMethods.Shutdown, null);
        await server.Client.RequestAsync(LspMethods.Shutdown, null);
        await server.Client.NotifyAsync(LspMethods.Exit, null);

        Assert.Equal(JsonValueKind.Null, shutdown.ValueKind);
        Assert.Equal(0, await server.Run.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task ExitWithoutShutdown_ExitCodeOne()
    {
        await using var server = InMemoryServer.Start(modelPath: null);
        await server.Client.InitializeAsync();
        await server.Client.NotifyAsync(LspMethods.Exit, null);

        Assert.Equal(1, await server.Run.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task UnknownRequest_MethodNotFoundAndConnectionStaysUp()
    {
        await using var server = InMemoryServer.Start(modelPath: null);
        await server.Client.InitializeAsync();
        await server.Client.NotifyAsync("$/unknownNotification", new { });

        var code = await RpcAssert.ErrorCodeAsync(() => server.Client.RequestAsync("workspace/noSuchThing", new { }));
        await server.Client.RequestAsync(LspMethods.Shutdown, null);

        Assert.Equal(LspErrorCodes.MethodNotFound, code);
    }

    [Theory]
    [InlineData("""{"textDocument":{"uri":"file:///a.cs"},"position":{"line":"zero","character":0}}""")]
    [InlineData("""{"position":{"line":0,"character":0}}""")]
    [InlineData("""{"textDocument":{"uri":"file:///a.cs"},"position":{"line":-1,"character":0}}""")]
    [InlineData("""{"textDocument":{"uri":"file:///a.cs"},"position":{"line":99,"character":0}}""")]
    public async Task BadInlineParams_InvalidParamsWithoutStackTrace(string json)
    {
        await using var server = InMemoryServer.Start(modelPath: null);
        await server.Client.InitializeAsync();
        await server.Client.OpenAsync("file:///a.cs", "class A { }\n");

        var error = await Assert.ThrowsAnyAsync<RemoteRpcException>(() =>
            server.Client.RequestAsync(LspMethods.InlineCompletion, JsonDocument.Parse(json).RootElement));
        var code = await RpcAssert.ErrorCodeAsync(() => Task.FromException(error));
        var alive = await server.Client.RequestAsync(LspMethods.Shutdown, null);

        Assert.Equal(LspErrorCodes.InvalidParams, code);
        Assert.DoesNotContain(" at ", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(".cs:line", error.ToString().Split("--- End of")[0].Split(" at StreamJsonRpc")[0], StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, alive.ValueKind);
    }

    public static TheoryData<string, string> ParamsOfEveryShape => new()
    {
        { LspMethods.InlineCompletion, "\"x\"" },
        { LspMethods.InlineCompletion, "42" },
        { LspMethods.InlineCompletion, "[1, 2]" },
        { LspMethods.InlineCompletion, "true" },
        { LspMethods.Completion, "\"x\"" },
        { LspMethods.Shutdown, "\"x\"" },
    };

    [Theory]
    [MemberData(nameof(ParamsOfEveryShape))]
    public async Task RequestParamsOfAnyShape_InvalidParams_ConnectionLives(string method, string paramsJson)
    {
        await using var server = InMemoryServer.StartRaw(modelPath: null);
        await server.Raw.InitializeAsync();
        var frame = $$"""{"jsonrpc":"2.0","id":"bad","method":"{{method}}","params":{{paramsJson}}}""";

        await server.Raw.SendJsonAsync(frame);
        var answer = await server.Raw.WaitForAsync(m => m.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String && id.GetString() == "bad");
        var alive = await server.Raw.RequestAsync(LspMethods.Shutdown, null);

        Assert.Equal(LspErrorCodes.InvalidParams, answer.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal(JsonValueKind.Null, alive.GetProperty("result").ValueKind);
    }

    [Theory]
    [InlineData(LspMethods.DidOpen)]
    [InlineData(LspMethods.DidChange)]
    [InlineData(LspMethods.DidClose)]
    public async Task NotificationParamsOfAnyShape_IgnoredWithALogLine_ConnectionLives(string method)
    {
        await using var server = InMemoryServer.StartRaw(modelPath: null);
        await server.Raw.InitializeAsync();

        await server.Raw.SendJsonAsync($$"""{"jsonrpc":"2.0","method":"{{method}}","params":"x"}""");
        var logged = await server.Raw.WaitForAsync(m => RawLspClient.IsNotification(m, LspMethods.LogMessage) &&
            m.GetProperty("params").GetProperty("message").GetString()!.Contains($"Ignored a {method} notification", StringComparison.Ordinal));
        var alive = await server.Raw.RequestAsync(LspMethods.Shutdown, null);

        Assert.Equal(MessageType.Warning, logged.GetProperty("params").GetProperty("type").GetInt32());
        Assert.Equal(JsonValueKind.Null, alive.GetProperty("result").ValueKind);
    }
}
