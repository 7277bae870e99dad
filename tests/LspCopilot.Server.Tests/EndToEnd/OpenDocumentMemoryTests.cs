using System.Text.Json;
using LspCopilot.Server.Documents;
using LspCopilot.Server.Protocol;
using LspCopilot.TestSupport;

namespace LspCopilot.Server.Tests.EndToEnd;

/// <summary>
/// Open documents are bounded in memory, over real JSON-RPC: a document past the bound is refused with
/// a message that names it, the bound and the option, the others keep completing, and closing a
/// document (or a session ending) gives its share back. The bounds here are small so the test is cheap;
/// the rule is the same at the defaults.
/// </summary>
public sealed class OpenDocumentMemoryTests
{
    // Each document holds 10,000 characters, 20,000 bytes as UTF-16: three fit in 64 KiB, four do not.
    private static readonly DocumentLimits s_limits = new(SessionBytes: 64 * 1024, ServerBytes: 64 * 1024);

    private static string Document(char fill) => new string(fill, 9_990) + "\nvalue = ;";

    [Fact]
    public async Task DidOpen_PastTheSessionBound_RefusedWithAMessage_EarlierDocumentsStillComplete()
    {
        var engine = new FakeEngine("42");
        await using var server = InMemoryServer.Start(modelPath: null, loader: (_, _) => engine, documents: s_limits with { ServerBytes = 1024 * 1024 });
        await server.Client.InitializeAsync();
        foreach (var name in new[] { "a", "b", "c" })
        {
            await server.Client.OpenAsync($"file:///work/{name}.txt", Document(name[0]), languageId: "plaintext");
        }

        await server.Client.OpenAsync("file:///work/d.txt", Document('d'), languageId: "plaintext");
        var message = await server.Client.WaitForNotificationAsync(LspMethods.ShowMessage);
        var refused = await server.Client.InlineAsync("file:///work/d.txt", 1, 8);
        var earlier = await server.Client.InlineAsync("file:///work/a.txt", 1, 8);

        var text = message.GetProperty("message").GetString()!;
        Assert.Contains("d.txt", text, StringComparison.Ordinal);
        Assert.Contains(DocumentLimits.Describe(s_limits.SessionBytes), text, StringComparison.Ordinal);
        Assert.Contains(DocumentLimits.SessionOption, text, StringComparison.Ordinal);
        Assert.Equal(MessageType.Warning, message.GetProperty("type").GetInt32());
        Assert.Empty(refused.GetProperty("items").EnumerateArray());
        Assert.Equal("42", InsertText(earlier));
        Assert.Equal(Document('a')[..^1], engine.Requests[^1].Prefix);
    }

    [Fact]
    public async Task DidClose_GivesItsShareBack_ARefusedDocumentReopenedThenCompletes()
    {
        var engine = new FakeEngine("42");
        await using var server = InMemoryServer.Start(modelPath: null, loader: (_, _) => engine, documents: s_limits with { ServerBytes = 1024 * 1024 });
        await server.Client.InitializeAsync();
        foreach (var name in new[] { "a", "b", "c", "d" })
        {
            await server.Client.OpenAsync($"file:///work/{name}.txt", Document(name[0]), languageId: "plaintext");
        }

        await server.Client.WaitForNotificationAsync(LspMethods.ShowMessage);

        await server.Client.NotifyAsync(LspMethods.DidClose, new { textDocument = new { uri = "file:///work/a.txt" } });
        await server.Client.NotifyAsync(LspMethods.DidClose, new { textDocument = new { uri = "file:///work/d.txt" } });
        await server.Client.OpenAsync("file:///work/d.txt", Document('d'), languageId: "plaintext", version: 2);
        var reopened = await server.Client.InlineAsync("file:///work/d.txt", 1, 8);

        Assert.Equal("42", InsertText(reopened));
        Assert.Equal(Document('d')[..^1], engine.Requests[^1].Prefix);
        Assert.Single(server.Client.NotificationsOf(LspMethods.ShowMessage));
    }

    [Fact]
    public async Task ServerBound_SharedBySessions_ASessionThatEndsGivesItsShareBack()
    {
        var engine = new FakeEngine("42");
        var serverDocuments = DocumentBudget.ForServer(s_limits);
        var first = InMemoryServer.Start(modelPath: null, loader: (_, _) => engine, documents: s_limits, serverDocuments: serverDocuments);
        await using var second = InMemoryServer.Start(modelPath: null, loader: (_, _) => engine, documents: s_limits, serverDocuments: serverDocuments);
        await first.Client.InitializeAsync();
        await second.Client.InitializeAsync();
        await first.Client.OpenAsync("file:///work/a.txt", Document('a'), languageId: "plaintext");
        await first.Client.OpenAsync("file:///work/b.txt", Document('b'), languageId: "plaintext");
        await first.Client.OpenAsync("file:///work/c.txt", Document('c'), languageId: "plaintext");
        await first.Client.InlineAsync("file:///work/c.txt", 1, 8); // every didOpen before it has been applied

        await second.Client.OpenAsync("file:///work/d.txt", Document('d'), languageId: "plaintext");
        var message = await second.Client.WaitForNotificationAsync(LspMethods.ShowMessage);
        Assert.Contains(DocumentLimits.ServerOption, message.GetProperty("message").GetString(), StringComparison.Ordinal);

        await first.DisposeAsync();
        Assert.True(await Eventually.TrueAsync(() => serverDocuments.Used == 0));
        await second.Client.NotifyAsync(LspMethods.DidClose, new { textDocument = new { uri = "file:///work/d.txt" } });
        await second.Client.OpenAsync("file:///work/d.txt", Document('d'), languageId: "plaintext", version: 2);
        var reopened = await second.Client.InlineAsync("file:///work/d.txt", 1, 8);

        Assert.Equal("42", InsertText(reopened));
    }

    private static string? InsertText(JsonElement list) => Assert.Single(list.GetProperty("items").EnumerateArray()).GetProperty("insertText").GetString();
}
