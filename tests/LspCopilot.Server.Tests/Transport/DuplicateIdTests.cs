using System.Text.Json;
using LspCopilot.Completion;
using LspCopilot.Server.Protocol;
using LspCopilot.TestSupport;

namespace LspCopilot.Server.Tests.Transport;

public sealed class DuplicateIdTests
{
    [Fact]
    public async Task NumberAndStringIdsAreDistinct()
    {
        await using var server = InMemoryServer.StartRaw(modelPath: null);
        await server.Raw.InitializeAsync();

        await server.Raw.SendAsync(new { jsonrpc = "2.0", id = 7, method = LspMethods.Shutdown });
        await server.Raw.SendAsync(new { jsonrpc = "2.0", id = "7", method = LspMethods.Shutdown });
        await server.Raw.WaitForAsync(m => m.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String);
        await server.Raw.WaitForAsync(m => m.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.Number && id.GetInt32() == 7);

        Assert.Equal(2, server.Raw.Received.Count(m => m.TryGetProperty("id", out var id) && id.ToString() == "7" && m.TryGetProperty("result", out _)));
    }

    [Fact]
    public async Task SecondRequestReusingAnInFlightId_Rejected_FirstStillCancellable()
    {
        await using var server = InMemoryServer.StartRaw(TestModels.Require(TestModels.Fim), generation: new GenerationOptions { MaxTokens = 100_000 });
        await server.Raw.InitializeAsync();
        const string uri = "file:///dup.cs";
        await server.Raw.NotifyAsync(LspMethods.DidOpen, new { textDocument = new { uri, languageId = "csharp", version = 1, text = "class A\n{\n    \n}\n" } });
        var inline = new { textDocument = new { uri }, position = new { line = 2, character = 4 }, partialResultToken = "dup" };

        await server.Raw.SendAsync(new { jsonrpc = "2.0", id = 42, method = LspMethods.InlineCompletion, @params = inline });
        await server.Raw.WaitForAsync(m => RawLspClient.IsNotification(m, LspMethods.Progress));
        await server.Raw.SendAsync(new { jsonrpc = "2.0", id = 42, method = LspMethods.Shutdown });
        var rejected = await server.Raw.WaitForAsync(m => m.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.Number && id.GetInt32() == 42);
        await server.Raw.CancelAsync(42);
        var responses = await WaitForCountAsync(server.Raw, 2);

        Assert.Equal(LspErrorCodes.InvalidRequest, rejected.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal(LspErrorCodes.RequestCancelled, responses[1].GetProperty("error").GetProperty("code").GetInt32());
    }

    private static async Task<List<JsonElement>> WaitForCountAsync(RawLspClient client, int count)
    {
        bool IsAnswer42(JsonElement m) => m.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.Number && id.GetInt32() == 42 && !m.TryGetProperty("method", out _);
        for (var i = 0; i < 400 && client.Received.Count(IsAnswer42) < count; i++)
        {
            await Task.Delay(25);
        }

        return client.Received.Where(IsAnswer42).ToList();
    }
}
