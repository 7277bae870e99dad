namespace LspCopilot.Server.Protocol;

public static class LspMethods
{
    public const string Initialize = "initialize";
    public const string Initialized = "initialized";
    public const string Shutdown = "shutdown";
    public const string Exit = "exit";
    public const string DidOpen = "textDocument/didOpen";
    public const string DidChange = "textDocument/didChange";
    public const string DidClose = "textDocument/didClose";
    public const string InlineCompletion = "textDocument/inlineCompletion";
    public const string Completion = "textDocument/completion";
    public const string Progress = "$/progress";
    public const string CancelRequest = "$/cancelRequest";
    public const string ShowMessage = "window/showMessage";
    public const string LogMessage = "window/logMessage";
    public const string WorkDoneProgressCreate = "window/workDoneProgress/create";
    public const string DidChangeWatchedFiles = "workspace/didChangeWatchedFiles";
    public const string RegisterCapability = "client/registerCapability";
    public const string CodeAction = "textDocument/codeAction";
    public const string CodeActionResolve = "codeAction/resolve";
    public const string ExecuteCommand = "workspace/executeCommand";

    /// <summary>Our request: explain code, streaming Markdown (<see cref="ExplainParams"/>).</summary>
    public const string Explain = "lspcopilot/explain";

    /// <summary>Our request: forget an explanation conversation (<see cref="EndConversationParams"/>).</summary>
    public const string EndConversation = "lspcopilot/endConversation";

    /// <summary>The editor displayed an inline completion item (as Copilot's language server takes it): <see cref="DidShowCompletionParams"/>.</summary>
    public const string DidShowCompletion = "textDocument/didShowCompletion";

    /// <summary>The user accepted part of an item (a word, a line): <see cref="DidPartiallyAcceptCompletionParams"/>.</summary>
    public const string DidPartiallyAcceptCompletion = "textDocument/didPartiallyAcceptCompletion";

    /// <summary>Our request: the local acceptance statistics for a period (<see cref="StatsParams"/>), e.g. today's for a status bar.</summary>
    public const string Stats = "lspcopilot/stats";

    /// <summary>Our notification server → client: the model's state, for a status bar (<see cref="ServerStatusParams"/>).</summary>
    public const string Status = "lspcopilot/status";
}

/// <summary>
/// The commands the server executes (workspace/executeCommand). Prefixed <c>lspcopilot.server.</c>: an editor's
/// own commands (the VS Code extension's <c>lspcopilot.explain</c>) must never share an id with them, since
/// vscode-languageclient registers every server command and VS Code refuses a second registration.
/// </summary>
public static class LspCommands
{
    /// <summary>Explain code: arguments <c>[ExplainParams]</c>; the result is the Markdown, also sent as window/showMessage.</summary>
    public const string Explain = "lspcopilot.server.explain";

    public static IReadOnlyList<string> All { get; } = [Explain];

    /// <summary>
    /// The command every inline completion item carries, arguments <c>[id]</c>: the editor runs it when the user accepts
    /// the whole item. Deliberately not in <see cref="All"/> (executeCommandProvider): the VS Code extension registers it
    /// itself and vscode-languageclient would register it too; other editors send it as workspace/executeCommand, which
    /// the server answers all the same.
    /// </summary>
    public const string CompletionAccepted = "lspcopilot.completionAccepted";
}

/// <summary>JSON-RPC and LSP error codes we answer with.</summary>
public static class LspErrorCodes
{
    public const int ParseError = -32700;
    public const int InvalidRequest = -32600;
    public const int MethodNotFound = -32601;
    public const int InvalidParams = -32602;
    public const int InternalError = -32603;
    public const int ServerNotInitialized = -32002;
    public const int RequestFailed = -32803;
    public const int ServerCancelled = -32802;
    public const int ContentModified = -32801;
    public const int RequestCancelled = -32800;
}
