using System.Text.Json;
using System.Text.Json.Serialization;

namespace LspCopilot.Server.Protocol;

// Code actions, workspace edits, commands and our explain request, as records (LSP 3.17 names, camelCase on the wire).

public sealed record CodeActionParams
{
    public TextDocumentIdentifier? TextDocument { get; init; }
    public Range? Range { get; init; }
    public CodeActionContext? Context { get; init; }
}

/// <summary>What the editor knows at the range: its diagnostics (kept as sent, to echo them) and the kinds it wants.</summary>
public sealed record CodeActionContext
{
    public IReadOnlyList<JsonElement>? Diagnostics { get; init; }
    public IReadOnlyList<string>? Only { get; init; }
    public int? TriggerKind { get; init; }
}

/// <summary>An LSP diagnostic, for the quick fixes we list for Roslyn's own diagnostics.</summary>
public sealed record Diagnostic(Range Range, string Message, int Severity, string Code, string Source);

/// <summary>
/// A code action as listed: no edit yet. <see cref="Data"/> says what to compute when it is resolved;
/// Explain carries its <see cref="Command"/> from the start.
/// </summary>
public sealed record CodeAction
{
    public required string Title { get; init; }
    public string? Kind { get; init; }
    public IReadOnlyList<JsonElement>? Diagnostics { get; init; }
    public bool? IsPreferred { get; init; }
    public WorkspaceEdit? Edit { get; init; }
    public Command? Command { get; init; }
    public CodeActionData? Data { get; init; }
}

/// <summary>
/// The data of an action, what codeAction/resolve computes from: the document, its version when listed, the
/// range asked about, the action. <see cref="Instruction"/> carries the text of "Refactor with instructions…"
/// (the client asks the user and sets it before resolving); <see cref="Diagnostic"/> the error a fix is for.
/// </summary>
public sealed record CodeActionData(string Uri, Range Range, int Version, string ActionId)
{
    public string? Instruction { get; init; }
    public DiagnosticData? Diagnostic { get; init; }
}

/// <summary>The diagnostic a "Fix this error" action is for: its code (CS0103), message and range when listed.</summary>
public sealed record DiagnosticData(string Code, string Message, Range Range);

/// <summary>A workspace edit: <see cref="DocumentChanges"/> (with the document's version) for clients that take them, else <see cref="Changes"/>.</summary>
public sealed record WorkspaceEdit
{
    public IReadOnlyDictionary<string, IReadOnlyList<TextEdit>>? Changes { get; init; }
    public IReadOnlyList<TextDocumentEdit>? DocumentChanges { get; init; }
    public IReadOnlyDictionary<string, ChangeAnnotation>? ChangeAnnotations { get; init; }
}

public sealed record TextDocumentEdit(VersionedTextDocumentIdentifier TextDocument, IReadOnlyList<AnnotatedTextEdit> Edits);

/// <summary>A text edit that points at a change annotation (LSP's AnnotatedTextEdit).</summary>
public sealed record AnnotatedTextEdit(Range Range, string NewText, string? AnnotationId = null);

/// <summary><see cref="NeedsConfirmation"/>: the editor shows the change for the user to accept (VS Code's refactor preview).</summary>
public sealed record ChangeAnnotation(string Label, bool NeedsConfirmation, string? Description = null);

public sealed record Command(string Title, [property: JsonPropertyName("command")] string CommandId, IReadOnlyList<object>? Arguments = null);

public sealed record ExecuteCommandParams
{
    public string? Command { get; init; }
    public IReadOnlyList<JsonElement>? Arguments { get; init; }
}

public sealed record CodeActionOptions(IReadOnlyList<string> CodeActionKinds, bool ResolveProvider);

public sealed record ExecuteCommandOptions(IReadOnlyList<string> Commands);

/// <summary>
/// lspcopilot/explain: explain the code at <see cref="Range"/> (an empty range: the member around it), streaming
/// Markdown through $/progress with <see cref="PartialResultToken"/>. A follow-up names the
/// <see cref="ConversationId"/> of an earlier answer and asks <see cref="Question"/>; the range is then not read.
/// Also the argument of the <c>lspcopilot.server.explain</c> command.
/// </summary>
public sealed record ExplainParams
{
    public TextDocumentIdentifier? TextDocument { get; init; }
    public Range? Range { get; init; }
    public JsonElement? PartialResultToken { get; init; }
    public string? ConversationId { get; init; }
    public string? Question { get; init; }
}

/// <summary>
/// The explanation (thinking folded out; it is in <see cref="Reasoning"/>) and the conversation to continue.
/// Each $/progress value has the same shape, with the whole text so far.
/// </summary>
public sealed record ExplainResult(string Markdown, string ConversationId)
{
    public string? Reasoning { get; init; }

    /// <summary>How the model was asked, on the final result: "chat template (chatml)", "plain", fill-in-the-middle.</summary>
    public string? Layout { get; init; }
}

/// <summary>lspcopilot/endConversation: the user closed the conversation; the server and the engine forget it.</summary>
public sealed record EndConversationParams(string? ConversationId);
