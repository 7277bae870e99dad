using LspCopilot.Completion.Languages;

namespace LspCopilot.Completion;

/// <summary>
/// The gate that needs no parser: nothing inside a word that continues to the right, one line when
/// the cursor follows code on its line, several lines on a blank line — in a language of
/// <see cref="LanguageTable"/>, whose bracket and indentation rules then say where the suggestion ends.
/// A language without a stop rule gets the safe default: one line.
/// </summary>
public sealed class TextCompletionGate : ICompletionContextProvider
{
    public ValueTask<CompletionPlan?> PlanAsync(DocumentSnapshot document, int offset, CancellationToken cancellationToken)
    {
        var text = document.Text;
        var line = text.Lines.GetLineFromPosition(offset);
        if (offset < line.End && IsWordChar(text[offset]) && offset > line.Start && IsWordChar(text[offset - 1]))
        {
            return ValueTask.FromResult<CompletionPlan?>(null);
        }

        var rule = LanguageTable.For(document.LanguageId ?? string.Empty, document.Uri ?? string.Empty);
        var before = text.ToString(Microsoft.CodeAnalysis.Text.TextSpan.FromBounds(line.Start, offset));
        var mode = rule is not null && string.IsNullOrWhiteSpace(before) ? CompletionMode.MultiLine : CompletionMode.SingleLine;
        return ValueTask.FromResult<CompletionPlan?>(new CompletionPlan(mode)
        {
            Stopper = rule is null ? null : LanguageStoppers.For(rule, text, offset, mode),
        });
    }

    private static bool IsWordChar(char c) => char.IsLetterOrDigit(c) || c == '_';
}
