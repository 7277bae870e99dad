using System.Text.Json;
using LspCopilot.Server.Protocol;
using LspCopilot.TestSupport;

namespace LspCopilot.Server.Tests.EndToEnd;

/// <summary>The server asks the editor to report C# and project files changed on disk, and takes the reports.</summary>
public sealed class WatchedFilesTests
{
    [Fact]
    public async Task ClientThatAllowsIt_GetsFileWatchersForCSharpAndProjectFiles()
    {
        await using var server = InMemoryServer.StartRaw(modelPath: null);
        await server.Raw.RequestAsync(LspMethods.Initialize, new { capabilities = new { workspace = new { didChangeWatchedFiles = new { dynamicRegistration = true } } } });
        await server.Raw.NotifyAsync(LspMethods.Initialized, new { });

        var register = await server.Raw.WaitForAsync(m => m.TryGetProperty("method", out var method) && method.GetString() == LspMethods.RegisterCapability);
        // RawLspClient answers the server's requests itself.
        await server.Raw.NotifyAsync(LspMethods.DidChangeWatchedFiles, new { changes = new[] { new { uri = "file:///nowhere/Gone.cs", type = 3 } } });
        var alive = await server.Raw.RequestAsync(LspMethods.Shutdown, null);

        var registration = register.GetProperty("params").GetProperty("registrations")[0];
        Assert.Equal(LspMethods.DidChangeWatchedFiles, registration.GetProperty("method").GetString());
        var globs = registration.GetProperty("registerOptions").GetProperty("watchers").EnumerateArray().Select(w => w.GetProperty("globPattern").GetString()).ToList();
        Assert.Contains("**/*.cs", globs);
        Assert.Contains("**/*.csproj", globs);
        Assert.Contains("**/Directory.*.props", globs);
        Assert.Equal(JsonValueKind.Null, alive.GetProperty("result").ValueKind);
    }

    [Fact]
    public async Task ClientThatDoesNotAllowIt_IsNotAskedToRegister()
    {
        await using var server = InMemoryServer.StartRaw(modelPath: null);
        await server.Raw.InitializeAsync();
        await server.Raw.RequestAsync(LspMethods.Shutdown, null);

        Assert.DoesNotContain(server.Raw.Received, m => m.TryGetProperty("method", out var method) && method.GetString() == LspMethods.RegisterCapability);
    }
}
