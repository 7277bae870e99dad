using System.Text.Json.Serialization;
using System.Text.Json;

namespace LspCopilot.Server.Protocol;

// The LSP subset we speak, as records. Names follow the specification (camelCase on the wire).

public sealed record Position(int Line, int Character);

public sealed record Range(Position Start, Position End);

public sealed record TextDocumentIdentifier(string Uri);

public sealed record VersionedTextDocumentIdentifier(string Uri, int Version);

public sealed record TextDocumentItem(string Uri, string LanguageId, int Version, [property: JsonConverter(typeof(EditorTextConverter))] string Text);

public sealed record ClientInfo(string Name, string? Version = null);

public sealed record InitializeParams
{
    public int? ProcessId { get; init; }
    public ClientInfo? ClientInfo { get; init; }
    public string? RootUri { get; init; }
    public JsonElement? InitializationOptions { get; init; }
    public JsonElement? Capabilities { get; init; }
    public IReadOnlyList<WorkspaceFolder>? WorkspaceFolders { get; init; }

    /// <summary>The workspace folders' URIs, else the root URI, else none.</summary>
    public IEnumerable<string> WorkspaceRootUris() =>
        WorkspaceFolders is { Count: > 0 } folders ? folders.Select(f => f.Uri)
        : RootUri is { Length: > 0 } root ? [root] : [];
}

public sealed record WorkspaceFolder(string Uri, string Name);

public sealed record InitializeResult(ServerCapabilities Capabilities, ServerInfo ServerInfo);

public sealed record ServerInfo(string Name, string Version);

public sealed record ServerCapabilities
{
    public string PositionEncoding { get; init; } = "utf-16";
    public TextDocumentSyncOptions TextDocumentSync { get; init; } = new();
    public bool InlineCompletionProvider { get; init; } = true;
    public CompletionOptions? CompletionProvider { get; init; }
    public CodeActionOptions? CodeActionProvider { get; init; }
    public ExecuteCommandOptions? ExecuteCommandProvider { get; init; }
}

public sealed record CompletionOptions(bool ResolveProvider, IReadOnlyList<string>? TriggerCharacters);

public sealed record TextDocumentSyncOptions
{
    public bool OpenClose { get; init; } = true;

    /// <summary>2 = incremental.</summary>
    public int Change { get; init; } = 2;
}

public sealed record DidOpenTextDocumentParams(TextDocumentItem TextDocument);

public sealed record DidChangeTextDocumentParams(
    VersionedTextDocumentIdentifier TextDocument,
    IReadOnlyList<TextDocumentContentChangeEvent> ContentChanges);

/// <summary>With <see cref="Range"/> absent the change replaces the whole document.</summary>
public sealed record TextDocumentContentChangeEvent([property: JsonConverter(typeof(EditorTextConverter))] string Text, Range? Range = null);

public sealed record DidCloseTextDocumentParams(TextDocumentIdentifier TextDocument);

/// <summary>workspace/didChangeWatchedFiles: <c>Type</c> is 1 created, 2 changed, 3 deleted.</summary>
public sealed record FileEvent(string Uri, int Type);

public sealed record DidChangeWatchedFilesParams(IReadOnlyList<FileEvent>? Changes);

/// <summary>client/registerCapability, for the file watchers the server asks the editor for.</summary>
public sealed record RegistrationParams(IReadOnlyList<Registration> Registrations);

public sealed record Registration(string Id, string Method, object? RegisterOptions);

public sealed record FileSystemWatcher(string GlobPattern);

public sealed record DidChangeWatchedFilesRegistrationOptions(IReadOnlyList<FileSystemWatcher> Watchers);

public sealed record InlineCompletionParams
{
    public TextDocumentIdentifier? TextDocument { get; init; }
    public Position? Position { get; init; }
    public InlineCompletionContext? Context { get; init; }
    public JsonElement? PartialResultToken { get; init; }
    public JsonElement? WorkDoneToken { get; init; }
}

public sealed record InlineCompletionContext(int TriggerKind, SelectedCompletionInfo? SelectedCompletionInfo = null);

public sealed record SelectedCompletionInfo(Range Range, string Text);

public sealed record InlineCompletionList(IReadOnlyList<InlineCompletionItem> Items)
{
    public static InlineCompletionList Empty { get; } = new([]);
}

public sealed record InlineCompletionItem(string InsertText, Range? Range, string? FilterText = null)
{
    /// <summary>Run by the editor when the user accepts the item (<see cref="LspCommands.CompletionAccepted"/>).</summary>
    public Command? Command { get; init; }
}

public sealed record CompletionParams
{
    public TextDocumentIdentifier? TextDocument { get; init; }
    public Position? Position { get; init; }
}

public sealed record CompletionList(bool IsIncomplete, IReadOnlyList<CompletionItem> Items);

public sealed record CompletionItem
{
    public required string Label { get; init; }
    public int Kind { get; init; } = 1;
    public string? Detail { get; init; }
    public string? InsertText { get; init; }
    public TextEdit? TextEdit { get; init; }
    public string? SortText { get; init; }
    public string? FilterText { get; init; }
}

public sealed record TextEdit(Range Range, string NewText);

public sealed record ProgressParams<T>(JsonElement Token, T Value);

public sealed record WorkDoneProgressCreateParams(string Token);

public sealed record WorkDoneProgressBegin(string Title, string? Message, bool Cancellable = false, int? Percentage = null)
{
    public string Kind => "begin";
}

public sealed record WorkDoneProgressEnd(string? Message)
{
    public string Kind => "end";
}

public sealed record ShowMessageParams(int Type, string Message);

public sealed record LogMessageParams(int Type, string Message);

/// <summary>The states a client shows; see <see cref="ServerStatusParams"/>.</summary>
public static class ServerStates
{
    public const string Loading = "loading";
    public const string Ready = "ready";

    /// <summary>No model can be used (missing file, not a GGUF, load failed): <c>message</c> says what to fix.</summary>
    public const string Unavailable = "unavailable";

    /// <summary>The model's process died; it restarts by itself and the state goes back to ready on the next answer.</summary>
    public const string Crashed = "crashed";
}

/// <summary>
/// lspcopilot/status: the model's state, sent when it changes, so a status bar never parses log text.
/// <paramref name="Model"/> is the model's file name once known; <paramref name="Message"/> says why it is unavailable or crashed.
/// </summary>
public sealed record ServerStatusParams(string State, string? Model = null, string? Message = null);

/// <summary>window/showMessage and window/logMessage severities.</summary>
public static class MessageType
{
    public const int Error = 1;
    public const int Warning = 2;
    public const int Info = 3;
    public const int Log = 4;
}

/// <summary>initializationOptions.codeActions.</summary>
public sealed record CodeActionSettings
{
    /// <summary>Proposals sampled after the first when it adds compile errors (0–10; default 3).</summary>
    public int? Candidates { get; init; }

    /// <summary>Most tokens of an explanation (16–32,768; default 768, or the session's maxTokens when larger).</summary>
    public int? ExplainMaxTokens { get; init; }
}

/// <summary>
/// Options an editor may send in initialize.initializationOptions — the one reader of that object. The
/// engine keys (gpuLayers, preset…) are read from <see cref="Json"/> by <c>EngineOptionsJson</c> when
/// <c>OptionPrecedence</c> orders them against the command line.
/// </summary>
public sealed record InitializationOptions
{
    public string? ModelPath { get; init; }
    public int? MaxTokens { get; init; }
    public double? Temperature { get; init; }
    public string? AuthToken { get; init; }

    /// <summary><c>codeActions: { candidates }</c>: how code actions sample (see <see cref="CodeActionSettings"/>).</summary>
    public CodeActionSettings? CodeActions { get; init; }

    /// <summary><c>suggestions: { count, mode, debounceMs }</c> (see <see cref="SuggestionSettings"/>).</summary>
    public SuggestionSettings? Suggestions { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; init; }

    /// <summary>The object as sent, for the engine keys.</summary>
    [JsonIgnore]
    public JsonElement? Json { get; init; }

    /// <summary>
    /// Reads the object; null when absent or not an object. A value of the wrong type drops the typed keys
    /// (with <paramref name="problem"/> saying why) but keeps <see cref="Json"/>, so one typo does not cost the rest.
    /// </summary>
    public static InitializationOptions? Read(JsonElement? json, out string? problem)
    {
        problem = null;
        if (json is not { ValueKind: JsonValueKind.Object } raw)
        {
            return null;
        }

        var copy = raw.Clone();
        try
        {
            return (copy.Deserialize<InitializationOptions>(LspJson.Options) ?? new InitializationOptions()) with { Json = copy };
        }
        catch (JsonException ex)
        {
            problem = ex.Message;
            return new InitializationOptions { Json = copy };
        }
    }

    /// <summary>initializationOptions.authToken of raw initialize params, or empty: read before the session exists, to admit a connection.</summary>
    public static string AuthTokenOf(JsonElement initializeParams) =>
        initializeParams.ValueKind == JsonValueKind.Object &&
        initializeParams.TryGetProperty("initializationOptions", out var options) && options.ValueKind == JsonValueKind.Object &&
        options.TryGetProperty("authToken", out var auth) && auth.ValueKind == JsonValueKind.String
            ? auth.GetString()!
            : string.Empty;
}
