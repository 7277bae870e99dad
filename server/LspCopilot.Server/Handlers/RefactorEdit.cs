using LspCopilot.Completion;
using LspCopilot.Completion.CodeActions;
using LspCopilot.Server.Documents;
using LspCopilot.Server.Protocol;
using LspCopilot.Server.Rpc;

namespace LspCopilot.Server.Handlers;

/// <summary>
/// A refactor's outcome as the workspace edit a client previews and applies: the text edits of a line diff
/// (never a whole-file replacement) against the document version the action was computed for, each pointing at
/// one change annotation with <c>needsConfirmation: true</c> whose label and description say whether it was
/// compile-checked.
/// </summary>
internal static class RefactorEdit
{
    public const string AnnotationId = "lspcopilot.refactor";

    public static WorkspaceEdit Create(DocumentSnapshot document, RefactorOutcome outcome, string title, ClientSettings client, int extraCandidates)
    {
        var text = document.Text;
        var edits = LineDiff.Edits(text.ToString(), outcome.NewText)
            .Select(e => (Range: Conversions.ToRange(text, e.Span), e.NewText))
            .ToList();

        if (!client.SupportsDocumentChanges)
        {
            return new WorkspaceEdit
            {
                Changes = new Dictionary<string, IReadOnlyList<TextEdit>>(StringComparer.Ordinal)
                {
                    [document.Uri] = [.. edits.Select(e => new TextEdit(e.Range, e.NewText))],
                },
            };
        }

        var annotated = client.SupportsChangeAnnotations;
        return new WorkspaceEdit
        {
            DocumentChanges =
            [
                new TextDocumentEdit(
                    new VersionedTextDocumentIdentifier(document.Uri, document.Version),
                    [.. edits.Select(e => new AnnotatedTextEdit(e.Range, e.NewText, annotated ? AnnotationId : null))]),
            ],
            ChangeAnnotations = annotated
                ? new Dictionary<string, ChangeAnnotation>(StringComparer.Ordinal) { [AnnotationId] = Annotation(outcome, title, extraCandidates) }
                : null,
        };
    }

    private static ChangeAnnotation Annotation(RefactorOutcome outcome, string title, int extraCandidates)
    {
        var verdict = outcome.Verdict;
        var label = "LspCopilot: " + title.Replace(CodeActionCatalog.NotCompileChecked, string.Empty, StringComparison.Ordinal)
            + (verdict.Checked ? string.Empty : CodeActionCatalog.NotCompileChecked);
        var description = verdict.Checked
            ? "Compile-checked with Roslyn: adds no errors to the project" + (verdict.Fixed == true ? " and removes the error" : string.Empty)
            : "Not compile-checked: LspCopilot compiles C# only. Review it before applying";
        description += $" (proposal {outcome.Candidate} of up to {1 + extraCandidates}, through {outcome.Layout}).";
        return new ChangeAnnotation(label, NeedsConfirmation: true, description);
    }
}
