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

    /// <summary>Most suggestions per inline request (initializationOptions.suggestions.count).</summary>
    public const int MaxSuggestionCount = 3;

    /// <summary>Most of initializationOptions.suggestions.debounceMs.</summary>
    public const int MaxDebounceMs = 1000;

    /// <summary>Suggestions per inline request, 1 to <see cref="MaxSuggestionCount"/> (out of range: 1).</summary>
    public int SuggestionCount => Options?.Suggestions?.Count is >= 1 and <= MaxSuggestionCount and var n ? n : 1;

    /// <summary>Single-line, multi-line or the gate's choice (initializationOptions.suggestions.mode; unknown: auto).</summary>
    public SuggestionMode SuggestionMode => SuggestionModes.Parse(Options?.Suggestions?.Mode) ?? SuggestionMode.Auto;

    /// <summary>The most the server waits for a pause in typing (initializationOptions.suggestions.debounceMs; default and out of range: none).</summary>
    public TimeSpan MaxDebounce => Options?.Suggestions?.DebounceMs is > 0 and <= MaxDebounceMs and var ms ? TimeSpan.FromMilliseconds(ms) : TimeSpan.Zero;

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
