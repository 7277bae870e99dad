using System.Text.Json;
using LspCopilot.Completion;
using LspCopilot.Server.Protocol;

namespace LspCopilot.Server.Rpc;

/// <summary>What the client said in <c>initialize</c>, fixed for the session once read.</summary>
public sealed record ClientSettings(InitializeParams Params, InitializationOptions? Options, GenerationOptions Generation)
{
    /// <summary>Before initialize: nothing known, defaults everywhere.</summary>
    public static ClientSettings None { get; } = new(new InitializeParams(), null, new GenerationOptions());

    /// <summary>Default of <see cref="CodeActionCandidates"/>.</summary>
    public const int DefaultCodeActionCandidates = 3;

    /// <summary>Most of <see cref="CodeActionCandidates"/>: each is a model call and a compile of the project.</summary>
    public const int MaxCodeActionCandidates = 10;

    /// <summary>Proposals a refactor samples after the first when it adds errors (initializationOptions.codeActions.candidates).</summary>
    public int CodeActionCandidates => Options?.CodeActions?.Candidates is >= 0 and <= MaxCodeActionCandidates and var n ? n : DefaultCodeActionCandidates;

    /// <summary>Most tokens of an explanation (initializationOptions.codeActions.explainMaxTokens, 16–32,768); null: the default.</summary>
    public int? ExplainMaxTokens => Options?.CodeActions?.ExplainMaxTokens is >= 16 and <= 32_768 and var n ? n : null;

    /// <summary>True when the client takes versioned <c>documentChanges</c> in a workspace edit (else plain <c>changes</c>).</summary>
    public bool SupportsDocumentChanges => HasCapability(Params.Capabilities, "workspace", "workspaceEdit", "documentChanges");

    /// <summary>True when the client shows change annotations (needsConfirmation: a preview before applying).</summary>
    public bool SupportsChangeAnnotations => HasCapability(Params.Capabilities, "workspace", "workspaceEdit", "changeAnnotationSupport");

    /// <summary>True when the client said it can show inline completions.</summary>
    public bool SupportsInline => HasCapability(Params.Capabilities, "textDocument", "inlineCompletion");

    public bool SupportsWorkDoneProgress => HasCapability(Params.Capabilities, "window", "workDoneProgress");

    /// <summary>
    /// True when the client said (<c>capabilities.experimental.lspcopilotAcceptance</c>) that it reports accepted
    /// suggestions, so none accepted is 0% rather than "no data from this editor" (the VS Code extension does).
    /// </summary>
    public bool ReportsAcceptance => HasCapability(Params.Capabilities, "experimental", "lspcopilotAcceptance");

    /// <summary>True when the client lets the server register file watchers (workspace/didChangeWatchedFiles).</summary>
    public bool SupportsFileWatchers => HasCapability(Params.Capabilities, "workspace", "didChangeWatchedFiles", "dynamicRegistration");

    internal static bool HasCapability(JsonElement? capabilities, params string[] path)
    {
        if (capabilities is not { ValueKind: JsonValueKind.Object } node)
        {
            return false;
        }

        foreach (var name in path)
        {
            if (node.ValueKind != JsonValueKind.Object || !node.TryGetProperty(name, out node))
            {
                return false;
            }
        }

        return node.ValueKind is not (JsonValueKind.False or JsonValueKind.Null or JsonValueKind.Undefined);
    }
}
