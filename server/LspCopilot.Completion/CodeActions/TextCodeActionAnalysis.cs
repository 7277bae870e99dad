using Microsoft.CodeAnalysis.Text;

namespace LspCopilot.Completion.CodeActions;

/// <summary>
/// Code actions in languages the server does not compile: no diagnostics, no context, an empty selection
/// stands for the paragraph (the run of non-blank lines) around the cursor, and a proposal is applied as it
/// is (<see cref="ProposalVerdict.Checked"/> false, so the edit says it was not compile-checked).
/// </summary>
public sealed class TextCodeActionAnalysis : ICodeActionAnalysis
{
    public static TextCodeActionAnalysis Instance { get; } = new();

    public bool Compiles(DocumentSnapshot document) => false;

    public Task<IReadOnlyList<CodeDiagnostic>> DiagnosticsAsync(DocumentSnapshot document, TextSpan span, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<CodeDiagnostic>>([]);

    public Task<TextSpan?> TargetAsync(DocumentSnapshot document, TextSpan selection, CancellationToken cancellationToken) =>
        Task.FromResult(selection.IsEmpty ? Paragraph(document.Text, selection.Start) : selection);

    public Task<string?> ContextAsync(DocumentSnapshot document, TextSpan span, CancellationToken cancellationToken) =>
        Task.FromResult<string?>(null);

    public Task<IProposalCheck> BeginCheckAsync(DocumentSnapshot document, TextSpan span, CodeDiagnostic? mustFix, CancellationToken cancellationToken) =>
        Task.FromResult<IProposalCheck>(new UncheckedProposals(document.Text, span));

    /// <summary>The non-blank lines around <paramref name="offset"/> (LSP's line breaks: \n, \r\n, \r), without the final line break; null on a blank line.</summary>
    public static TextSpan? Paragraph(SourceText text, int offset)
    {
        var (start, end) = LineAt(text, offset);
        if (IsBlank(text, start, end))
        {
            return null;
        }

        while (start > 0)
        {
            var (previousStart, previousEnd) = LineAt(text, PreviousLineEnd(text, start));
            if (IsBlank(text, previousStart, previousEnd))
            {
                break;
            }

            start = previousStart;
        }

        while (NextLineStart(text, end) is { } next && next < text.Length)
        {
            var (nextStart, nextEnd) = LineAt(text, next);
            if (IsBlank(text, nextStart, nextEnd))
            {
                break;
            }

            end = nextEnd;
        }

        return TextSpan.FromBounds(start, end);
    }

    private static (int Start, int End) LineAt(SourceText text, int offset)
    {
        var start = Math.Min(offset, text.Length);
        while (start > 0 && text[start - 1] is not ('\n' or '\r'))
        {
            start--;
        }

        var end = Math.Min(offset, text.Length);
        while (end < text.Length && text[end] is not ('\n' or '\r'))
        {
            end++;
        }

        return (start, end);
    }

    /// <summary>The end of the line before the one starting at <paramref name="lineStart"/> (before its \n, \r\n or \r).</summary>
    private static int PreviousLineEnd(SourceText text, int lineStart)
    {
        var at = lineStart - 1;
        if (at > 0 && text[at] == '\n' && text[at - 1] == '\r')
        {
            at--;
        }

        return at;
    }

    private static int? NextLineStart(SourceText text, int lineEnd)
    {
        if (lineEnd >= text.Length)
        {
            return null;
        }

        return text[lineEnd] == '\r' && lineEnd + 1 < text.Length && text[lineEnd + 1] == '\n' ? lineEnd + 2 : lineEnd + 1;
    }

    private static bool IsBlank(SourceText text, int start, int end)
    {
        for (var i = start; i < end; i++)
        {
            if (!char.IsWhiteSpace(text[i]))
            {
                return false;
            }
        }

        return true;
    }

    private sealed class UncheckedProposals(SourceText text, TextSpan span) : IProposalCheck
    {
        public bool IsCode(string text) => false;

        public Task<ProposalVerdict> CheckAsync(string proposal, CancellationToken cancellationToken)
        {
            var fitted = ProposalText.Fit(proposal, text, span);
            var after = text.WithChanges(new TextChange(span, fitted));
            return Task.FromResult(new ProposalVerdict(after.ToString(), Checked: false, []));
        }
    }
}
