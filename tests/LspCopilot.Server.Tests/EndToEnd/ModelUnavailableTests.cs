using LspCopilot.Server.Protocol;
using LspCopilot.TestSupport;

namespace LspCopilot.Server.Tests.EndToEnd;

public sealed class ModelUnavailableTests
{
    [Fact]
    public async Task NoModelConfigured_InitializeSucceedsCompletionsEmptyOneMessage()
    {
        await using var server = InMemoryServer.Start(modelPath: null);
        await server.Client.InitializeAsync();
        await server.Client.OpenAsync("file:///a.cs", "class A\n{\n    \n}\n");

        var first = await server.Client.InlineAsync("file:///a.cs", 2, 4);
        var second = await server.Client.InlineAsync("file:///a.cs", 2, 4);
        var message = await server.Client.WaitForNotificationAsync(LspMethods.ShowMessage);

        Assert.Empty(first.GetProperty("items").EnumerateArray());
        Assert.Empty(second.GetProperty("items").EnumerateArray());
        Assert.Contains("--model", message.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(MessageType.Error, message.GetProperty("type").GetInt32());
        Assert.Single(server.Client.NotificationsOf(LspMethods.ShowMessage));
    }

    [Fact]
    public async Task MissingModelFile_MessageNamesThePath()
    {
        var missing = Path.Combine(Path.GetTempPath(), "no-such-model-" + Guid.NewGuid().ToString("N") + ".gguf");
        await using var server = InMemoryServer.Start(missing);
        await server.Client.InitializeAsync();

        var message = await server.Client.WaitForNotificationAsync(LspMethods.ShowMessage);

        Assert.Contains(missing, message.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains("does not exist", message.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task FileThatIsNotGguf_MessageSaysSoAndServerStaysUp()
    {
        var notGguf = Path.Combine(Path.GetTempPath(), "not-a-model-" + Guid.NewGuid().ToString("N") + ".gguf");
        await File.WriteAllTextAsync(notGguf, "this is not a model");
        try
        {
            await using var server = InMemoryServer.Start(notGguf);
            await server.Client.InitializeAsync();
            await server.Client.OpenAsync("file:///a.cs", "class A { }\n");

            var message = await server.Client.WaitForNotificationAsync(LspMethods.ShowMessage);
            var result = await server.Client.InlineAsync("file:///a.cs", 0, 9);

            Assert.Contains("not a GGUF file", message.GetProperty("message").GetString(), StringComparison.Ordinal);
            Assert.Empty(result.GetProperty("items").EnumerateArray());
        }
        finally
        {
            File.Delete(notGguf);
        }
    }

    [Fact]
    public async Task ModelPathIsANamedPipe_MessageSaysSoAndServerStaysUp()
    {
        using var temp = new TempFolder();
        var pipe = temp.File("model.gguf");
        NamedPipeFile.Create(pipe);
        await using var server = InMemoryServer.Start(pipe);
        await server.Client.InitializeAsync();
        await server.Client.OpenAsync("file:///a.cs", "class A { }\n");

        var message = await server.Client.WaitForNotificationAsync(LspMethods.ShowMessage);
        var result = await server.Client.InlineAsync("file:///a.cs", 0, 9);

        Assert.Contains("named pipe", message.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Empty(result.GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task ContextSizeFarPastTheTrainedOne_MessageSaysWhatToPassAndServerStaysUp()
    {
        var model = TestModels.Require(TestModels.Stories);
        await using var server = InMemoryServer.Start(model);
        await server.Client.InitializeAsync(new { contextSize = 1_000_000_000 });
        await server.Client.OpenAsync("file:///a.cs", "class A { }\n");

        // The load gets as far as choosing the CPU build, which a model file new to this machine measures first.
        var message = await server.Client.WaitForNotificationAsync(LspMethods.ShowMessage, timeoutMs: 90_000);
        var result = await server.Client.InlineAsync("file:///a.cs", 0, 9);

        Assert.Contains("was trained for (2,048 tokens)", message.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains("--context-size 2048 or less", message.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Empty(result.GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task ModelPathFromInitializationOptions_IsUsed()
    {
        var missing = Path.Combine(Path.GetTempPath(), "from-init-options-" + Guid.NewGuid().ToString("N") + ".gguf");
        await using var server = InMemoryServer.Start(modelPath: null);
        await server.Client.InitializeAsync(new { modelPath = missing });

        var message = await server.Client.WaitForNotificationAsync(LspMethods.ShowMessage);

        Assert.Contains(missing, message.GetProperty("message").GetString(), StringComparison.Ordinal);
    }
}
