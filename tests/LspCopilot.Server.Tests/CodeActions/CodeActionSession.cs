using System.Text.Json;
using LspCopilot.Completion;
using LspCopilot.Server.Protocol;
using LspCopilot.TestSupport;

namespace LspCopilot.Server.Tests.CodeActions;

/// <summary>
/// The real server over an in-memory pipe with a byte-level client (exact error codes), a throw-away workspace
/// folder with a C# project as its root, and a client that takes versioned documentChanges and change
/// annotations. Test sources mark the selection with <c>[|…|]</c> or the cursor with <c>$$</c>.
/// </summary>
internal sealed class CodeActionSession : IAsyncDisposable
{
    public const string Project = "<Project Sdk=\"Microsoft.NET.Sdk\"><PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup></Project>";

    private CodeActionSession(TempWorkspace workspace, InMemoryServer server)
    {
        Workspace = workspace;
        Server = server;
    }

    public TempWorkspace Workspace { get; }

    public InMemoryServer Server { get; }

    public RawLspClient Raw => Server.Raw;

    /// <param name="engine">The model (null: the real engine on <paramref name="modelPath"/>).</param>
    public static Task<CodeActionSession> StartAsync(ICompletionEngine? engine, object? initializationOptions = null, string? modelPath = null, bool documentChanges = true, params (string Path, string Content)[] files) =>
        StartAsync(engine is null ? InMemoryServer.StartRaw(modelPath) : InMemoryServer.StartRaw(modelPath: null, loader: (_, _) => engine), initializationOptions, documentChanges, files);

    /// <summary>A session on <paramref name="server"/> (started raw, with the loader a test needs).</summary>
    public static async Task<CodeActionSession> StartAsync(InMemoryServer server, object? initializationOptions = null, bool documentChanges = true, params (string Path, string Content)[] files)
    {
        var workspace = TempWorkspace.Create([("App.csproj", Project), .. files]);
        var session = new CodeActionSession(workspace, server);
        var response = await server.Raw.RequestAsync(LspMethods.Initialize, new
        {
            processId = (int?)null,
            rootUri = new Uri(workspace.Folder).AbsoluteUri,
            capabilities = new
            {
                textDocument = new { inlineCompletion = new { }, codeAction = new { codeActionLiteralSupport = new { }, resolveSupport = new { properties = new[] { "edit" } } } },
                workspace = new { workspaceEdit = new { documentChanges, changeAnnotationSupport = new { groupsOnLabel = true } } },
            },
            initializationOptions,
        });
        Assert.False(response.TryGetProperty("error", out var error), "initialize failed: " + error);
        await server.Raw.NotifyAsync(LspMethods.Initialized, new { });
        return session;
    }

    /// <summary>Writes <paramref name="relative"/> (markers removed) and opens it; returns its URI and the marked range.</summary>
    public async Task<(string Uri, object Range)> OpenAsync(string relative, string marked, string languageId = "csharp", int version = 1)
    {
        var (text, start, end) = Unmark(marked);
        Workspace.Write(relative, text);
        var uri = Workspace.UriOf(relative);
        await Raw.NotifyAsync(LspMethods.DidOpen, new { textDocument = new { uri, languageId, version, text } });
        return (uri, RangeOf(text, start, end));
    }

    public Task<JsonElement> ListAsync(string uri, object range, string[]? only = null, object[]? diagnostics = null) =>
        Raw.RequestAsync(LspMethods.CodeAction, new { textDocument = new { uri }, range, context = new { diagnostics = diagnostics ?? [], only } });

    /// <summary>The listed actions (the response's result).</summary>
    public async Task<List<JsonElement>> ActionsAsync(string uri, object range, string[]? only = null)
    {
        var response = await ListAsync(uri, range, only);
        Assert.False(response.TryGetProperty("error", out var error), "codeAction failed: " + error);
        return [.. response.GetProperty("result").EnumerateArray()];
    }

    public async Task<JsonElement> ActionAsync(string uri, object range, string actionId) =>
        (await ActionsAsync(uri, range)).First(a => a.GetProperty("data").GetProperty("actionId").GetString() == actionId);

    public Task<JsonElement> ResolveAsync(object action) => Raw.RequestAsync(LspMethods.CodeActionResolve, action);

    /// <summary>Applies a resolved action's documentChanges edits to <paramref name="text"/>, as an editor would.</summary>
    public static string Apply(string text, JsonElement resolved)
    {
        var edits = resolved.GetProperty("result").GetProperty("edit").GetProperty("documentChanges")[0].GetProperty("edits").EnumerateArray()
            .Select(e => (Start: Offset(text, e.GetProperty("range").GetProperty("start")), End: Offset(text, e.GetProperty("range").GetProperty("end")), Text: e.GetProperty("newText").GetString()!))
            .OrderByDescending(e => e.Start)
            .ToList();
        foreach (var (start, end, newText) in edits)
        {
            text = text[..start] + newText + text[end..];
        }

        return text;
    }

    public static (string Text, int Start, int End) Unmark(string marked)
    {
        var caret = marked.IndexOf(TempWorkspace.Caret, StringComparison.Ordinal);
        if (caret >= 0)
        {
            return (marked.Remove(caret, TempWorkspace.Caret.Length), caret, caret);
        }

        var start = marked.IndexOf("[|", StringComparison.Ordinal);
        var end = marked.IndexOf("|]", StringComparison.Ordinal);
        Assert.True(start >= 0 && end > start, "The test text marks neither a caret ($$) nor a selection ([|…|]).");
        return (marked.Remove(end, 2).Remove(start, 2), start, end - 2);
    }

    public static object RangeOf(string text, int start, int end) => new { start = PositionOf(text, start), end = PositionOf(text, end) };

    private static object PositionOf(string text, int offset)
    {
        var line = text[..offset].Count(c => c == '\n');
        var character = offset - (text.LastIndexOf('\n', Math.Max(0, offset - 1)) + 1);
        if (offset == 0)
        {
            character = 0;
        }

        return new { line, character };
    }

    private static int Offset(string text, JsonElement position)
    {
        var line = position.GetProperty("line").GetInt32();
        var at = 0;
        for (var i = 0; i < line; i++)
        {
            at = text.IndexOf('\n', at) + 1;
        }

        return at + position.GetProperty("character").GetInt32();
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        Workspace.Dispose();
    }
}
