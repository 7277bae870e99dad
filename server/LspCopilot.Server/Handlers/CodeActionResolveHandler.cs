using System.Text.Json;
using LspCopilot.Completion;
using LspCopilot.Completion.CodeActions;
using LspCopilot.Server.Documents;
using LspCopilot.Server.Protocol;
using LspCopilot.Server.Rpc;
using Microsoft.CodeAnalysis.Text;
using StreamJsonRpc;

namespace LspCopilot.Server.Handlers;

/// <summary>
/// codeAction/resolve: computes the edit of an action this server listed, for the document version it was
/// listed for (another version: -32801, ask again). The model proposes a replacement for the span (the
/// selection, or the member around an empty one); for C# each proposal is compile-checked over the project and
/// the first clean one becomes a minimal, annotated <see cref="WorkspaceEdit"/> (<see cref="RefactorEdit"/>);
/// when none is clean the answer is an error that says so. Unknown data: -32602. Explain resolves to its command.
/// </summary>
internal sealed class CodeActionResolveHandler(LspSession session)
{
    /// <summary>Longest instruction of "Refactor with instructions…", in characters.</summary>
    public const int MaxInstructionChars = 4000;

    [JsonRpcMethod(LspMethods.CodeActionResolve, UseSingleObjectParameterDeserialization = true)]
    public async Task<CodeAction> ResolveAsync(JsonElement action, CancellationToken cancellationToken)
    {
        session.Lifecycle.EnsureRunning();
        var (data, definition, listed) = Read(action);
        using var context = session.BeginSideRequest(data.Uri, cancellationToken, cancelOnEdit: true) ?? throw CodeActionFailures.NotOpen(data.Uri);
        var document = context.Document;
        if (document.Version != data.Version)
        {
            throw RpcErrors.ContentModified($"{data.Uri} is at version {document.Version}; this action was listed for version {data.Version}. Ask for code actions again.");
        }

        if (document.Divergent)
        {
            throw CodeActionFailures.OutOfSync(data.Uri);
        }

        if (!Conversions.TryToSpan(document.Text, data.Range, out var selection, out var error))
        {
            throw RpcErrors.InvalidParams("data.range: " + error);
        }

        if (!definition.IsEdit)
        {
            return listed with { Command = CodeActionHandler.ExplainCommand(listed.Title, data.Uri, data.Range) };
        }

        var task = TaskOf(definition, data);
        var analysis = session.CodeActions;
        var extra = context.Client.CodeActionCandidates;
        return await CodeActionFailures.RunAsync(context, cancellationToken, async () =>
        {
            var engine = await CodeActionFailures.EngineAsync(context).ConfigureAwait(false);
            var mustFix = data.Diagnostic is { } d
                ? new CodeDiagnostic(d.Code, d.Message, IsError: true, Conversions.TryToSpan(document.Text, d.Range, out var at, out var rangeError) ? at : throw RpcErrors.InvalidParams("data.diagnostic.range: " + rangeError))
                : null;
            var target = await TargetAsync(analysis, document, selection, mustFix, context.Token).ConfigureAwait(false);
            var check = await analysis.BeginCheckAsync(document, target, mustFix, context.Token).ConfigureAwait(false);
            var prompt = await analysis.ContextAsync(document, target, context.Token).ConfigureAwait(false);
            var subject = new CodeActionSubject(document, target, CodeActionFailures.LanguageOf(document, analysis), prompt);
            var runner = new RefactorRunner(engine, context.Log) { ExtraCandidates = extra };
            var outcome = await runner.RunAsync(subject, task, check, context.Client.Generation, context.Token).ConfigureAwait(false);
            return listed with { Edit = RefactorEdit.Create(document, outcome, listed.Title, context.Client, extra) };
        }).ConfigureAwait(false);
    }

    /// <summary>The span to replace: the selection; for a fix, the selection when it holds the error, else the member around the error.</summary>
    private static async Task<TextSpan> TargetAsync(ICodeActionAnalysis analysis, DocumentSnapshot document, TextSpan selection, CodeDiagnostic? mustFix, CancellationToken cancellationToken)
    {
        var from = mustFix is not null && !(selection.Length > 0 && selection.Contains(mustFix.Span)) ? new TextSpan(mustFix.Span.Start, 0) : selection;
        return await analysis.TargetAsync(document, from, cancellationToken).ConfigureAwait(false)
            ?? throw RpcErrors.InvalidParams("There is no code at the cursor to work on: select the code (or put the cursor inside a member).");
    }

    private static string TaskOf(CodeActionDefinition definition, CodeActionData data) => definition.Id switch
    {
        CodeActionCatalog.Instructions when data.Instruction is { } instruction && instruction.Trim().Length > 0 =>
            instruction.Length <= MaxInstructionChars
                ? "Change the code as the user asks: " + instruction.Trim()
                : throw RpcErrors.InvalidParams($"data.instruction is {instruction.Length} characters long; at most {MaxInstructionChars} are accepted."),
        CodeActionCatalog.Instructions =>
            throw RpcErrors.InvalidParams("\"Refactor with instructions…\" needs the instruction: set data.instruction to the user's text before sending codeAction/resolve (see the README's Code actions section)."),
        CodeActionCatalog.FixError when data.Diagnostic is { } diagnostic =>
            diagnostic.Code.Length > 0
                ? $"{definition.Task} The error is {diagnostic.Code}: {Bounded(diagnostic.Message)}"
                : $"{definition.Task} The error: {Bounded(diagnostic.Message)}",
        CodeActionCatalog.FixError =>
            throw RpcErrors.InvalidParams("A fix-error action needs data.diagnostic {code, message, range}: resolve the action as textDocument/codeAction listed it."),
        _ => definition.Task,
    };

    /// <summary>A diagnostic message as the prompt quotes it: at most 1,000 characters (the client sends it back to us).</summary>
    private static string Bounded(string message) => message.Length <= 1000 ? message : message[..1000] + "…";

    /// <summary>The action's data and definition; -32602 naming the problem when the data is not what this server lists.</summary>
    private static (CodeActionData Data, CodeActionDefinition Definition, CodeAction Listed) Read(JsonElement action)
    {
        const string Hint = "resolve only actions that textDocument/codeAction of this server listed, with their data unchanged.";
        if (action.ValueKind != JsonValueKind.Object || !action.TryGetProperty("data", out var json) || json.ValueKind != JsonValueKind.Object)
        {
            throw RpcErrors.InvalidParams("The code action has no data object: " + Hint);
        }

        CodeActionData? data;
        try
        {
            data = json.Deserialize<CodeActionData>(LspJson.Options);
        }
        catch (JsonException ex)
        {
            throw RpcErrors.InvalidParams($"Unknown code action data ({ex.Message}): " + Hint);
        }

        if (data is null || data.Uri.Length == 0 || CodeActionCatalog.Find(data.ActionId) is not { } definition)
        {
            throw RpcErrors.InvalidParams($"Unknown code action data (action id \"{data?.ActionId}\"): " + Hint);
        }

        var title = action.TryGetProperty("title", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()! : definition.Title;
        var kind = action.TryGetProperty("kind", out var k) && k.ValueKind == JsonValueKind.String ? k.GetString() : definition.Kind;
        var diagnostics = action.TryGetProperty("diagnostics", out var list) && list.ValueKind == JsonValueKind.Array
            ? list.EnumerateArray().Select(e => e.Clone()).ToList()
            : null;
        return (data, definition, new CodeAction { Title = title, Kind = kind, Diagnostics = diagnostics, Data = data });
    }
}
