using System.Text.Json;
using LspCopilot.Server.Protocol;
using LspCopilot.TestSupport;

namespace LspCopilot.Server.Tests.EndToEnd;

/// <summary>
/// The server's text is the editor's text, over real JSON-RPC: positions follow LSP's line rules
/// (only \n, \r\n and \r end a line), and text the editor sends is kept as sent, lone surrogates included.
/// The engine is a fake that records what it was asked: the prefix and suffix are the server's text
/// on either side of the cursor.
/// </summary>
public sealed class EditorTextTests
{
    private const string Uri = "file:///work/notes.txt";

    // U+2028, U+2029 and U+0085 are characters to LSP, line breaks to Roslyn's SourceText.Lines.
    private const string FirstLine = "a = 1;\u2028b = 2;\u2029c\u0085= 3;";

    [Fact]
    public async Task InlineCompletion_UnicodeLineSeparatorsBeforeTheCursor_PrefixAndRangeFollowLspLines()
    {
        var engine = new FakeEngine("42");
        await using var server = InMemoryServer.Start(modelPath: null, loader: (_, _) => engine);
        await server.Client.InitializeAsync();
        await server.Client.OpenAsync(Uri, FirstLine + "\nd = ;\nend", languageId: "plaintext");

        var result = await server.Client.InlineAsync(Uri, 1, 4);

        Assert.Equal(FirstLine + "\nd = ", engine.Requests[^1].Prefix);
        Assert.Equal(";\nend", engine.Requests[^1].Suffix);
        var item = Assert.Single(result.GetProperty("items").EnumerateArray());
        AssertPosition(item.GetProperty("range").GetProperty("start"), 1, 4);
        AssertPosition(item.GetProperty("range").GetProperty("end"), 1, 4);
    }

    [Fact]
    public async Task Completion_UnicodeLineSeparatorsBeforeTheCursor_EditRangeFollowsLspLines()
    {
        var engine = new FakeEngine("42");
        await using var server = InMemoryServer.Start(modelPath: null, loader: (_, _) => engine);
        await server.Client.InitializeAsync(inline: false);
        await server.Client.OpenAsync(Uri, FirstLine + "\nd = ;", languageId: "plaintext");

        var result = await server.Client.RequestAsync(LspMethods.Completion, new { textDocument = new { uri = Uri }, position = new { line = 1, character = 4 } });

        Assert.Equal(FirstLine + "\nd = ", engine.Requests[^1].Prefix);
        var item = Assert.Single(result.GetProperty("items").EnumerateArray());
        AssertPosition(item.GetProperty("textEdit").GetProperty("range").GetProperty("start"), 1, 4);
        AssertPosition(item.GetProperty("textEdit").GetProperty("range").GetProperty("end"), 1, 4);
    }

    [Fact]
    public async Task DidChange_AfterAUnicodeLineSeparator_LandsWhereTheEditorPutIt()
    {
        var engine = new FakeEngine("42");
        await using var server = InMemoryServer.Start(modelPath: null, loader: (_, _) => engine);
        await server.Client.InitializeAsync();
        await server.Client.OpenAsync(Uri, FirstLine + "\nd = ;", languageId: "plaintext");

        // Line 0, character 7 is just after the U+2028: the editor inserts "x" before "b".
        await server.Client.NotifyAsync(LspMethods.DidChange, new
        {
            textDocument = new { uri = Uri, version = 2 },
            contentChanges = new object[] { new { range = Range(0, 7, 0, 7), text = "x" } },
        });
        await server.Client.InlineAsync(Uri, 1, 4);

        Assert.Equal("a = 1;\u2028xb = 2;\u2029c\u0085= 3;\nd = ", engine.Requests[^1].Prefix);
    }

    [Fact]
    public async Task DidOpen_WithALoneSurrogate_OpensWithTheEditorsText()
    {
        var engine = new FakeEngine("42");
        await using var server = InMemoryServer.StartRaw(modelPath: null, loader: (_, _) => engine);
        await server.Raw.InitializeAsync();

        // What a JavaScript editor sends for a string holding half of a surrogate pair.
        await server.Raw.SendJsonAsync("""
            {"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"file:///work/notes.txt","languageId":"plaintext","version":1,"text":"s = \"\ud800\";\nt = ;"}}}
            """);
        var response = await server.Raw.RequestAsync(LspMethods.InlineCompletion, new { textDocument = new { uri = Uri }, position = new { line = 1, character = 4 } });

        AssertNoError(response);
        Assert.Equal("s = \"\ud800\";\nt = ", engine.Requests[^1].Prefix);
        AssertPosition(response.GetProperty("result").GetProperty("items")[0].GetProperty("range").GetProperty("start"), 1, 4);
    }

    [Fact]
    public async Task DidChange_WithALoneSurrogate_AppliedAndLaterChangesLandInPlace()
    {
        var engine = new FakeEngine("42");
        await using var server = InMemoryServer.StartRaw(modelPath: null, loader: (_, _) => engine);
        await server.Raw.InitializeAsync();
        await server.Raw.NotifyAsync(LspMethods.DidOpen, new { textDocument = new { uri = Uri, languageId = "plaintext", version = 1, text = "ab\nc = ;" } });

        await server.Raw.SendJsonAsync("""
            {"jsonrpc":"2.0","method":"textDocument/didChange","params":{"textDocument":{"uri":"file:///work/notes.txt","version":2},"contentChanges":[{"range":{"start":{"line":0,"character":1},"end":{"line":0,"character":1}},"text":"\ud800"}]}}
            """);
        // On line 0 the lone surrogate is one UTF-16 unit: "b" is now at character 2.
        await server.Raw.NotifyAsync(LspMethods.DidChange, new
        {
            textDocument = new { uri = Uri, version = 3 },
            contentChanges = new object[] { new { range = Range(1, 4, 1, 4), text = "1" }, new { range = Range(0, 2, 0, 3), text = "B" } },
        });
        var response = await server.Raw.RequestAsync(LspMethods.InlineCompletion, new { textDocument = new { uri = Uri }, position = new { line = 1, character = 5 } });

        AssertNoError(response);
        Assert.Equal("a\ud800B\nc = 1", engine.Requests[^1].Prefix);
        Assert.Equal(";", engine.Requests[^1].Suffix);
    }

    [Fact]
    public async Task DidChange_ThatCannotBeRead_DocumentMarkedDivergentAndTheUserTold_FullTextResyncs()
    {
        var engine = new FakeEngine("42");
        await using var server = InMemoryServer.StartRaw(modelPath: null, loader: (_, _) => engine);
        await server.Raw.InitializeAsync();
        await server.Raw.NotifyAsync(LspMethods.DidOpen, new { textDocument = new { uri = Uri, languageId = "plaintext", version = 1, text = "c = ;" } });

        // contentChanges must be an array of changes.
        await server.Raw.SendJsonAsync("""
            {"jsonrpc":"2.0","method":"textDocument/didChange","params":{"textDocument":{"uri":"file:///work/notes.txt","version":2},"contentChanges":5}}
            """);
        var message = await server.Raw.WaitForAsync(m => RawLspClient.IsNotification(m, LspMethods.ShowMessage));
        var divergent = await server.Raw.RequestAsync(LspMethods.InlineCompletion, new { textDocument = new { uri = Uri }, position = new { line = 0, character = 4 } });

        Assert.Contains("notes.txt", message.GetProperty("params").GetProperty("message").GetString(), StringComparison.Ordinal);
        AssertNoError(divergent);
        Assert.Empty(divergent.GetProperty("result").GetProperty("items").EnumerateArray());
        Assert.Empty(engine.Requests);

        await server.Raw.NotifyAsync(LspMethods.DidChange, new { textDocument = new { uri = Uri, version = 3 }, contentChanges = new object[] { new { text = "d = ;" } } });
        var resynced = await server.Raw.RequestAsync(LspMethods.InlineCompletion, new { textDocument = new { uri = Uri }, position = new { line = 0, character = 4 } });

        AssertNoError(resynced);
        Assert.Equal("d = ", engine.Requests[^1].Prefix);
    }

    [Fact]
    public async Task DidOpen_ThatCannotBeRead_TheUserToldAndRequestsAnswerEmpty_ReopeningWorks()
    {
        var engine = new FakeEngine("42");
        await using var server = InMemoryServer.StartRaw(modelPath: null, loader: (_, _) => engine);
        await server.Raw.InitializeAsync();

        // version must be a number.
        await server.Raw.SendJsonAsync("""
            {"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"file:///work/notes.txt","languageId":"plaintext","version":"one","text":"c = ;"}}}
            """);
        var message = await server.Raw.WaitForAsync(m => RawLspClient.IsNotification(m, LspMethods.ShowMessage));
        var unread = await server.Raw.RequestAsync(LspMethods.InlineCompletion, new { textDocument = new { uri = Uri }, position = new { line = 0, character = 4 } });

        Assert.Contains("notes.txt", message.GetProperty("params").GetProperty("message").GetString(), StringComparison.Ordinal);
        AssertNoError(unread);
        Assert.Empty(unread.GetProperty("result").GetProperty("items").EnumerateArray());

        await server.Raw.NotifyAsync(LspMethods.DidClose, new { textDocument = new { uri = Uri } });
        await server.Raw.NotifyAsync(LspMethods.DidOpen, new { textDocument = new { uri = Uri, languageId = "plaintext", version = 1, text = "c = ;" } });
        var reopened = await server.Raw.RequestAsync(LspMethods.InlineCompletion, new { textDocument = new { uri = Uri }, position = new { line = 0, character = 4 } });

        AssertNoError(reopened);
        Assert.Equal("c = ", engine.Requests[^1].Prefix);
    }

    private static object Range(int l1, int c1, int l2, int c2) =>
        new { start = new { line = l1, character = c1 }, end = new { line = l2, character = c2 } };

    private static void AssertPosition(JsonElement position, int line, int character)
    {
        Assert.Equal(line, position.GetProperty("line").GetInt32());
        Assert.Equal(character, position.GetProperty("character").GetInt32());
    }

    private static void AssertNoError(JsonElement response) =>
        Assert.False(response.TryGetProperty("error", out var error), "error: " + error);
}
