using System.Text.Json;
using LspCopilot.Server.Protocol;
using LspCopilot.Server.Stats;
using LspCopilot.TestSupport;

namespace LspCopilot.Server.Tests.Stats;

/// <summary>
/// The show/accept events over real JSON-RPC, against the real server with the tiny FIM model: the accept command on
/// each item, the events in the store, lspcopilot/stats, and a store that cannot be written.
/// </summary>
public sealed class AcceptanceEventsTests
{
    private const string Uri = "file:///work/Program.cs";

    private const string Source = """
        using System;

        public static class Program
        {
            public static void Main()
            {
                var name = "world";
                Console.WriteLine("Hello, " + name);
                
            }
        }
        """;

    private static async Task<(InMemoryServer Server, JsonElement Item)> ServeOneAsync(StatsStore store)
    {
        var server = InMemoryServer.Start(TestModels.Require(TestModels.Fim), stats: store);
        await server.Client.InitializeAsync();
        await server.Client.OpenAsync(Uri, Source);
        var result = await server.Client.InlineAsync(Uri, 6, 27);
        return (server, Assert.Single(result.GetProperty("items").EnumerateArray()).Clone());
    }

    [Fact]
    public async Task InlineCompletion_Item_CarriesAnAcceptCommandTheServerDoesNotList()
    {
        using var folder = new TempFolder();
        await using var server = InMemoryServer.Start(TestModels.Require(TestModels.Fim), stats: new StatsStore(folder.Path));
        var init = await server.Client.InitializeAsync();
        await server.Client.OpenAsync(Uri, Source);

        var item = (await server.Client.InlineAsync(Uri, 6, 27)).GetProperty("items")[0];

        var command = item.GetProperty("command");
        Assert.Equal(LspCommands.CompletionAccepted, command.GetProperty("command").GetString());
        Assert.Equal(16, command.GetProperty("arguments")[0].GetString()!.Length);
        var listed = init.GetProperty("capabilities").GetProperty("executeCommandProvider").GetProperty("commands").EnumerateArray().Select(c => c.GetString());
        Assert.DoesNotContain(LspCommands.CompletionAccepted, listed); // vscode-languageclient would register it and collide with the extension's
    }

    [Fact]
    public async Task ShowPartialAndAccept_AreRecordedAndReportedByLspCopilotStats()
    {
        using var folder = new TempFolder();
        var store = new StatsStore(folder.Path);
        var (server, item) = await ServeOneAsync(store);
        await using var running = server;

        await server.Client.NotifyAsync(LspMethods.DidShowCompletion, new { item });
        await server.Client.NotifyAsync(LspMethods.DidShowCompletion, new { item }); // shown again: counted once
        await server.Client.NotifyAsync(LspMethods.DidPartiallyAcceptCompletion, new { item, acceptedLength = 1 });
        var command = item.GetProperty("command");
        await server.Client.RequestAsync(LspMethods.ExecuteCommand, new { command = command.GetProperty("command").GetString(), arguments = command.GetProperty("arguments") });
        var stats = await server.Client.RequestAsync(LspMethods.Stats, new { since = "today" });

        var editor = stats.GetProperty("editor");
        Assert.Equal("lsp-test-client", editor.GetProperty("name").GetString());
        Assert.Equal(1, editor.GetProperty("served").GetInt32());
        Assert.Equal(1, editor.GetProperty("shown").GetInt32());
        Assert.Equal(1, editor.GetProperty("accepted").GetInt32());
        Assert.Equal(1.0, editor.GetProperty("acceptanceRate").GetDouble());
        Assert.Equal(item.GetProperty("insertText").GetString()!.Length, editor.GetProperty("charsAccepted").GetInt64());
        Assert.True(editor.GetProperty("p50Ms").GetDouble() > 0);

        var events = store.ReadAll(out var unread);
        Assert.Equal([StatsKinds.Served, StatsKinds.Shown, StatsKinds.Partial, StatsKinds.Accepted], events.Select(e => e.Kind));
        Assert.All(events, e => Assert.Equal(command.GetProperty("arguments")[0].GetString(), e.Id));
        Assert.All(events, e => Assert.Equal("csharp", e.Language));
        Assert.All(events, e => Assert.Equal(TestModels.Fim, e.Model));
        Assert.NotNull(events[0].Stop);
    }

    [Fact]
    public async Task TypingThroughASuggestion_IsStillThatSuggestion()
    {
        using var folder = new TempFolder();
        var store = new StatsStore(folder.Path);
        var (server, item) = await ServeOneAsync(store);
        await using var running = server;
        var first = item.GetProperty("insertText").GetString()!;
        Assert.True(first.Length > 2, first);

        await server.Client.NotifyAsync(LspMethods.DidChange, new
        {
            textDocument = new { uri = Uri, version = 2 },
            contentChanges = new object[] { new { range = new { start = new { line = 6, character = 27 }, end = new { line = 6, character = 27 } }, text = first[..2] } },
        });
        var next = (await server.Client.InlineAsync(Uri, 6, 29)).GetProperty("items")[0];
        await server.Client.RequestAsync(LspMethods.ExecuteCommand, new { command = LspCommands.CompletionAccepted, arguments = next.GetProperty("command").GetProperty("arguments") });
        var stats = await server.Client.RequestAsync(LspMethods.Stats, new { });

        Assert.Equal(first[2..], next.GetProperty("insertText").GetString());
        Assert.Equal(item.GetProperty("command").GetProperty("arguments")[0].GetString(), next.GetProperty("command").GetProperty("arguments")[0].GetString());
        Assert.Equal([StatsKinds.Served, StatsKinds.Accepted], store.ReadAll(out var unread).Select(e => e.Kind));
        Assert.Equal(1, stats.GetProperty("editor").GetProperty("served").GetInt32());
        Assert.Equal(1, stats.GetProperty("editor").GetProperty("accepted").GetInt32());
    }

    [Fact]
    public async Task ItemWithoutItsCommand_IsFoundByItsText()
    {
        using var folder = new TempFolder();
        var store = new StatsStore(folder.Path);
        var (server, item) = await ServeOneAsync(store);
        await using var running = server;

        await server.Client.NotifyAsync(LspMethods.DidShowCompletion, new { item = new { insertText = item.GetProperty("insertText").GetString() } });
        await server.Client.RequestAsync(LspMethods.Stats, new { });

        Assert.Contains(store.ReadAll(out var unread), e => e.Kind == StatsKinds.Shown && e.Id == item.GetProperty("command").GetProperty("arguments")[0].GetString());
    }

    [Fact]
    public async Task ClientThatSendsNoEvents_StatsSayNoDataRatherThanZero()
    {
        using var folder = new TempFolder();
        var (server, served) = await ServeOneAsync(new StatsStore(folder.Path));
        await using var running = server;

        var stats = await server.Client.RequestAsync(LspMethods.Stats, new { since = "today" });

        var editor = stats.GetProperty("editor");
        Assert.Equal(1, editor.GetProperty("served").GetInt32());
        Assert.Equal(JsonValueKind.Null, editor.TryGetProperty("acceptanceRate", out var rate) ? rate.ValueKind : JsonValueKind.Null);
        Assert.Equal(StatsSummary.NoDataNote, editor.GetProperty("note").GetString());
    }

    [Fact]
    public async Task ClientThatDeclaresAcceptanceEvents_NothingAccepted_IsZeroPercent()
    {
        using var folder = new TempFolder();
        await using var server = InMemoryServer.Start(TestModels.Require(TestModels.Fim), stats: new StatsStore(folder.Path));
        // As the VS Code extension's AcceptanceFeature declares it.
        await server.Client.RequestAsync(LspMethods.Initialize, new
        {
            processId = Environment.ProcessId,
            clientInfo = new { name = "Visual Studio Code", version = "1.100.3" },
            capabilities = new { textDocument = new { inlineCompletion = new { } }, experimental = new { lspcopilotAcceptance = true } },
        });
        await server.Client.NotifyAsync(LspMethods.Initialized, new { });
        await server.Client.OpenAsync(Uri, Source);
        await server.Client.InlineAsync(Uri, 6, 27);

        var editor = (await server.Client.RequestAsync(LspMethods.Stats, new { since = "today" })).GetProperty("editor");

        Assert.Equal("Visual Studio Code", editor.GetProperty("name").GetString());
        Assert.Equal(0.0, editor.GetProperty("acceptanceRate").GetDouble());
        Assert.False(editor.TryGetProperty("note", out _));
    }

    [Fact]
    public async Task StoreCannotBeWritten_CompletionsKeepWorking_OneWarning()
    {
        using var folder = new TempFolder();
        var blocker = folder.File("file");
        File.WriteAllText(blocker, "not a folder");
        await using var server = InMemoryServer.Start(TestModels.Require(TestModels.Fim), stats: new StatsStore(Path.Combine(blocker, "lspcopilot")));
        await server.Client.InitializeAsync();
        await server.Client.OpenAsync(Uri, Source);

        var first = await server.Client.InlineAsync(Uri, 6, 27);
        await server.Client.WaitForNotificationAsync(LspMethods.LogMessage, m => m.GetProperty("message").GetString()!.Contains("Acceptance statistics are off", StringComparison.Ordinal));
        var second = await server.Client.InlineAsync(Uri, 6, 27);
        await server.Client.RequestAsync(LspMethods.Stats, new { });

        Assert.NotEmpty(first.GetProperty("items").EnumerateArray());
        Assert.NotEmpty(second.GetProperty("items").EnumerateArray());
        Assert.Single(server.Client.NotificationsOf(LspMethods.LogMessage), m => m.GetProperty("message").GetString()!.Contains("Acceptance statistics", StringComparison.Ordinal));
    }

    [Fact]
    public async Task UnreadableShowParams_AreLoggedAndTheSessionGoesOn()
    {
        using var folder = new TempFolder();
        var (server, served) = await ServeOneAsync(new StatsStore(folder.Path));
        await using var running = server;

        await server.Client.NotifyAsync(LspMethods.DidPartiallyAcceptCompletion, new { item = new { insertText = "x" }, acceptedLength = "many" });

        var warning = await server.Client.WaitForNotificationAsync(LspMethods.LogMessage, m => m.GetProperty("message").GetString()!.Contains(LspMethods.DidPartiallyAcceptCompletion, StringComparison.Ordinal));
        Assert.Equal(MessageType.Warning, warning.GetProperty("type").GetInt32());
        Assert.NotEmpty((await server.Client.InlineAsync(Uri, 6, 27)).GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task AcceptCommand_WithoutAnId_IsInvalidParams()
    {
        using var folder = new TempFolder();
        var (server, served) = await ServeOneAsync(new StatsStore(folder.Path));
        await using var running = server;

        var code = await RpcAssert.ErrorCodeAsync(() => server.Client.RequestAsync(LspMethods.ExecuteCommand, new { command = LspCommands.CompletionAccepted, arguments = Array.Empty<object>() }));

        Assert.Equal(LspErrorCodes.InvalidParams, code);
    }
}
