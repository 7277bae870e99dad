using System.Text.Json;
using LspCopilot.Completion;
using LspCopilot.Completion.CodeActions;
using LspCopilot.Server.Documents;
using LspCopilot.Server.Protocol;
using LspCopilot.Server.Rpc;
using StreamJsonRpc;

namespace LspCopilot.Server.Handlers;

/// <summary>
/// textDocument/codeAction: the list at once, no model call — "Explain this code", the refactors and "Refactor
/// with instructions…" (kind refactor.rewrite.lspcopilot), and "Fix this error (LspCopilot)" (quickfix) for each
/// compiler diagnostic in the range of a C# document — in other languages, for each error or warning the editor sends
/// with the request (reported by that language's own server). Each carries <see cref="CodeActionData"/>; the edit
/// comes from codeAction/resolve. Outside C# the edit titles say they are not compile-checked.
/// </summary>
internal sealed class CodeActionHandler(LspSession session)
{
    [JsonRpcMethod(LspMethods.CodeAction, UseSingleObjectParameterDeserialization = true)]
    public async Task<IReadOnlyList<CodeAction>> CodeActionAsync(CodeActionParams request, CancellationToken cancellationToken)
    {
        session.Lifecycle.EnsureRunning();
        if (request.TextDocument?.Uri is not { Length: > 0 } uri)
        {
            throw RpcErrors.InvalidParams("textDocument.uri is required.");
        }

        var range = request.Range ?? throw RpcErrors.InvalidParams("range is required: the selection (an empty range at the cursor for the member around it).");
        using var context = session.BeginSideRequest(uri, cancellationToken, cancelOnEdit: true) ?? throw CodeActionFailures.NotOpen(uri);
        var document = context.Document;
        if (document.Divergent)
        {
            context.Log.Debug($"No code actions for {uri}: its text is out of sync until the editor resends it.");
            return [];
        }

        if (!Conversions.TryToSpan(document.Text, range, out var span, out var error))
        {
            throw RpcErrors.InvalidParams(error!);
        }

        var only = request.Context?.Only;
        var analysis = session.CodeActions;
        var compiles = analysis.Compiles(document);
        var data = new CodeActionData(uri, range, document.Version, string.Empty);
        var actions = new List<CodeAction>();
        if (compiles && CodeActionCatalog.Matches(CodeActionCatalog.QuickFixKind, only))
        {
            var diagnostics = await CodeActionFailures.RunAsync(context, cancellationToken, () => analysis.DiagnosticsAsync(document, span, context.Token)).ConfigureAwait(false);
            foreach (var diagnostic in diagnostics)
            {
                actions.Add(QuickFix(document, diagnostic, data, request.Context?.Diagnostics));
            }
        }
        else if (CodeActionCatalog.Matches(CodeActionCatalog.QuickFixKind, only))
        {
            // A language we do not compile: the errors other language servers reported to the editor, which it sends along.
            foreach (var (json, diagnostic) in EditorErrors(document, span, request.Context?.Diagnostics))
            {
                actions.Add(new CodeAction
                {
                    Title = $"{CodeActionCatalog.Fix.Title}: {Label(diagnostic)}{CodeActionCatalog.NotCompileChecked}",
                    Kind = CodeActionCatalog.QuickFixKind,
                    Diagnostics = [json],
                    Data = data with { ActionId = CodeActionCatalog.FixError, Diagnostic = diagnostic },
                });
            }
        }

        if (CodeActionCatalog.Matches(CodeActionCatalog.RewriteKind, only))
        {
            foreach (var action in CodeActionCatalog.Selection)
            {
                actions.Add(new CodeAction
                {
                    Title = action.Title + (action.IsEdit && !compiles ? CodeActionCatalog.NotCompileChecked : string.Empty),
                    Kind = action.Kind,
                    Data = data with { ActionId = action.Id },
                    Command = action.IsEdit ? null : ExplainCommand(action.Title, uri, range),
                });
            }
        }

        return actions;
    }

    /// <summary>The command an Explain action runs (<see cref="LspCommands.Explain"/>), for clients that execute it rather than call lspcopilot/explain.</summary>
    public static Command ExplainCommand(string title, string uri, Protocol.Range range) =>
        new(title, LspCommands.Explain, [new ExplainParams { TextDocument = new TextDocumentIdentifier(uri), Range = range }]);

    private static CodeAction QuickFix(DocumentSnapshot document, CodeDiagnostic diagnostic, CodeActionData data, IReadOnlyList<JsonElement>? clientDiagnostics)
    {
        var range = Conversions.ToRange(document.Text, diagnostic.Span);
        var title = diagnostic.IsError ? CodeActionCatalog.Fix.Title : "Fix this warning (LspCopilot)";
        var own = JsonSerializer.SerializeToElement(new Diagnostic(range, diagnostic.Message, diagnostic.IsError ? 1 : 2, diagnostic.Id, "lspcopilot"), LspJson.Options);
        return new CodeAction
        {
            Title = $"{title}: {diagnostic.Id}",
            Kind = CodeActionCatalog.QuickFixKind,
            Diagnostics = [Matching(document, diagnostic, clientDiagnostics) ?? own],
            Data = data with { ActionId = CodeActionCatalog.FixError, Diagnostic = new DiagnosticData(diagnostic.Id, diagnostic.Message, range) },
        };
    }

    /// <summary>
    /// The error and warning diagnostics the editor sent (from other language servers) that touch the range, as
    /// <see cref="DiagnosticData"/>: code (a string or a number; empty when there is none), message, range.
    /// Unreadable entries are skipped; at most 20.
    /// </summary>
    internal static IEnumerable<(JsonElement Json, DiagnosticData Diagnostic)> EditorErrors(DocumentSnapshot document, Microsoft.CodeAnalysis.Text.TextSpan span, IReadOnlyList<JsonElement>? clientDiagnostics)
    {
        var found = 0;
        foreach (var candidate in clientDiagnostics ?? [])
        {
            if (found == 20)
            {
                yield break;
            }

            if (candidate.ValueKind != JsonValueKind.Object
                || !candidate.TryGetProperty("message", out var message) || message.ValueKind != JsonValueKind.String || message.GetString() is not { Length: > 0 } text
                || !candidate.TryGetProperty("range", out var rangeJson))
            {
                continue;
            }

            // Errors and warnings only (severity 1 or 2; a missing severity is the client's to decide, taken as an error).
            if (candidate.TryGetProperty("severity", out var severity) && (severity.ValueKind != JsonValueKind.Number || !severity.TryGetInt32(out var level) || level > 2))
            {
                continue;
            }

            Protocol.Range? range;
            try
            {
                range = rangeJson.Deserialize<Protocol.Range>(LspJson.Options);
            }
            catch (JsonException)
            {
                continue;
            }

            if (range is null || !Conversions.TryToSpan(document.Text, range, out var at, out _) || !(at.IntersectsWith(span) || at.Start == span.Start))
            {
                continue;
            }

            var code = candidate.TryGetProperty("code", out var c) ? c.ValueKind switch
            {
                JsonValueKind.String => c.GetString() ?? string.Empty,
                JsonValueKind.Number => c.GetRawText(),
                _ => string.Empty,
            } : string.Empty;
            var source = candidate.TryGetProperty("source", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
            found++;
            yield return (candidate.Clone(), new DiagnosticData(code, source is { Length: > 0 } ? $"{text} ({source})" : text, range));
        }
    }

    /// <summary>How a quick fix names the error: its code, else the start of its message.</summary>
    private static string Label(DiagnosticData diagnostic)
    {
        if (diagnostic.Code.Length > 0)
        {
            return diagnostic.Code;
        }

        var line = diagnostic.Message.Split('\n')[0];
        return line.Length <= 50 ? line : line[..47] + "...";
    }

    /// <summary>The editor's own diagnostic for the same error (same code, overlapping range), so it ties the fix to what it shows.</summary>
    private static JsonElement? Matching(DocumentSnapshot document, CodeDiagnostic diagnostic, IReadOnlyList<JsonElement>? clientDiagnostics)
    {
        foreach (var candidate in clientDiagnostics ?? [])
        {
            try
            {
                if (candidate.ValueKind == JsonValueKind.Object
                    && candidate.TryGetProperty("code", out var code) && code.ValueKind == JsonValueKind.String && code.GetString() == diagnostic.Id
                    && candidate.TryGetProperty("range", out var rangeJson)
                    && rangeJson.Deserialize<Protocol.Range>(LspJson.Options) is { } range
                    && Conversions.TryToSpan(document.Text, range, out var span, out _)
                    && span.IntersectsWith(diagnostic.Span))
                {
                    return candidate;
                }
            }
            catch (JsonException)
            {
                // Not a diagnostic we can read: ours stands in.
            }
        }

        return null;
    }
}
