using LspCopilot.Completion;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;
using Microsoft.CodeAnalysis;

namespace LspCopilot.Context;

/// <summary>
/// Ranks candidates by the compile errors they add: each is inserted into a fork of the document, and
/// the errors in the member that holds the cursor (syntax and semantic), plus the syntax errors of the
/// whole file (an extra brace breaks what follows), are compared with the document before. Candidates
/// that add none come first in their sampled order; those that add errors are dropped when a clean one
/// exists, else ordered by how many they add.
/// </summary>
public static class CompileCheck
{
    public static async Task<CandidateRanking> RankAsync(Document before, int offset, IReadOnlyList<string> candidates, CancellationToken cancellationToken)
    {
        var baseline = await ErrorsAsync(before, offset, 0, cancellationToken).ConfigureAwait(false);
        var text = await before.GetTextAsync(cancellationToken).ConfigureAwait(false);
        var checkedByText = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var ranked = new List<RankedCandidate>();
        for (var i = 0; i < candidates.Count; i++)
        {
            var candidate = candidates[i];
            if (!checkedByText.TryGetValue(candidate, out var added))
            {
                var fork = before.WithText(text.WithChanges(new TextChange(new TextSpan(offset, 0), candidate)));
                var after = await ErrorsAsync(fork, offset, candidate.Length, cancellationToken).ConfigureAwait(false);
                added = Subtract(after, baseline);
                checkedByText[candidate] = added;
            }
            else if (ranked.Any(r => r.Text == candidate))
            {
                // The same text sampled twice counts once.
                continue;
            }

            ranked.Add(new RankedCandidate(i, candidate, added.Count, added));
        }

        var clean = ranked.Where(r => r.AddedErrors == 0 && r.Text.Trim().Length > 0).ToList();
        if (clean.Count > 0)
        {
            var dropped = ranked.Count(r => r.AddedErrors > 0);
            return new CandidateRanking([.. clean, .. ranked.Where(r => r.AddedErrors == 0 && r.Text.Trim().Length == 0)], dropped);
        }

        return new CandidateRanking([.. ranked.OrderBy(r => r.AddedErrors).ThenBy(r => r.Index)], 0);
    }

    /// <summary>Error identities (id + message) in the member around the insertion and the file's syntax errors.</summary>
    private static async Task<List<string>> ErrorsAsync(Document document, int offset, int insertedLength, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (root is null || model is null)
        {
            return [];
        }

        var span = MemberSpan(root, offset, insertedLength);
        var errors = new List<string>();
        foreach (var diagnostic in model.GetDiagnostics(span, cancellationToken).Concat(root.GetDiagnostics().Where(d => !span.Contains(d.Location.SourceSpan))))
        {
            if (diagnostic.Severity == DiagnosticSeverity.Error)
            {
                errors.Add(diagnostic.Id + ": " + diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return errors;
    }

    /// <summary>The member declarations (or top-level statements) holding the start and end of the insertion.</summary>
    private static TextSpan MemberSpan(SyntaxNode root, int offset, int insertedLength)
    {
        static SyntaxNode? Member(SyntaxNode root, int position)
        {
            var token = root.FindToken(Math.Min(position, Math.Max(0, root.FullSpan.End - 1)));
            return token.Parent?.AncestorsAndSelf().FirstOrDefault(n => n is MemberDeclarationSyntax and not BaseTypeDeclarationSyntax and not BaseNamespaceDeclarationSyntax);
        }

        var start = Member(root, offset);
        var end = Member(root, offset + insertedLength);
        var from = Math.Min(start?.SpanStart ?? offset, end?.SpanStart ?? offset);
        var to = Math.Max(start?.Span.End ?? offset + insertedLength, end?.Span.End ?? offset + insertedLength);
        return TextSpan.FromBounds(Math.Max(0, from), Math.Min(root.FullSpan.End, to));
    }

    /// <summary>The errors of <paramref name="after"/> not matched one for one in <paramref name="before"/>.</summary>
    private static List<string> Subtract(List<string> after, List<string> before)
    {
        var remaining = before.GroupBy(e => e, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var added = new List<string>();
        foreach (var error in after)
        {
            if (remaining.TryGetValue(error, out var count) && count > 0)
            {
                remaining[error] = count - 1;
            }
            else
            {
                added.Add(error);
            }
        }

        return added;
    }
}
