using System.Globalization;
using LspCopilot.Completion.CodeActions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Text;

namespace LspCopilot.Context;

/// <summary>
/// The compile check of proposals that replace one span of one document: each proposal is fitted to the
/// place (<see cref="ProposalText"/>), applied to a fork of the solution and formatted there with Roslyn's
/// formatter (the changed span only); the errors of the whole compilation — every document of the project and
/// of the projects that depend on it, so a changed signature that breaks a caller elsewhere counts — are
/// compared with those before. For a fix, the diagnostic to remove (any severity) must be reported fewer times.
/// The state before is computed once, when the check begins.
/// </summary>
public sealed class RefactorCheck : IProposalCheck
{
    private readonly Document _document;
    private readonly SourceText _text;
    private readonly TextSpan _span;
    private readonly CodeShapeKind _shape;
    private readonly Dictionary<string, int> _before;
    private readonly CodeDiagnostic? _mustFix;
    private readonly int _mustFixBefore;

    private RefactorCheck(Document document, SourceText text, TextSpan span, CodeShapeKind shape, Dictionary<string, int> before, CodeDiagnostic? mustFix, int mustFixBefore)
    {
        _document = document;
        _text = text;
        _span = span;
        _shape = shape;
        _before = before;
        _mustFix = mustFix;
        _mustFixBefore = mustFixBefore;
    }

    /// <exception cref="CodeActionException">The diagnostic to fix is no longer reported.</exception>
    public static async Task<RefactorCheck> BeginAsync(Document document, TextSpan span, CodeDiagnostic? mustFix, CancellationToken cancellationToken)
    {
        var text = await document.GetTextAsync(cancellationToken).ConfigureAwait(false);
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var shape = root is null ? CodeShapeKind.Unknown : CodeActionTarget.Shape(root, text, span);
        var before = await ErrorsAsync(document.Project.Solution, document.Project.Id, cancellationToken).ConfigureAwait(false);
        var mustFixBefore = 0;
        if (mustFix is not null)
        {
            mustFixBefore = await CountAsync(document, mustFix, cancellationToken).ConfigureAwait(false);
            if (mustFixBefore == 0)
            {
                throw new CodeActionException($"{mustFix.Id} is no longer reported in this document, so there is nothing to fix.");
            }
        }

        return new RefactorCheck(document, text, span, shape, before, mustFix, mustFixBefore);
    }

    public bool IsCode(string text) => CodeShape.Matches(_shape, text);

    public async Task<ProposalVerdict> CheckAsync(string proposal, CancellationToken cancellationToken)
    {
        var fitted = ProposalText.Fit(proposal, _text, _span);
        var fork = _document.WithText(_text.WithChanges(new TextChange(_span, fitted)));
        var formatted = await Formatter.FormatAsync(fork, new TextSpan(_span.Start, fitted.Length), cancellationToken: cancellationToken).ConfigureAwait(false);
        var newText = await formatted.GetTextAsync(cancellationToken).ConfigureAwait(false);
        var after = await ErrorsAsync(formatted.Project.Solution, formatted.Project.Id, cancellationToken).ConfigureAwait(false);
        var added = Subtract(after, _before);
        bool? fixedTarget = null;
        if (_mustFix is not null)
        {
            fixedTarget = await CountAsync(formatted, _mustFix, cancellationToken).ConfigureAwait(false) < _mustFixBefore;
        }

        return new ProposalVerdict(newText.ToString(), Checked: true, added) { Fixed = fixedTarget };
    }

    /// <summary>The errors of the project and of every project that depends on it, as "file|id|message" with their counts.</summary>
    private static async Task<Dictionary<string, int>> ErrorsAsync(Solution solution, ProjectId project, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, int>(StringComparer.Ordinal);
        var projects = new[] { project }.Concat(solution.GetProjectDependencyGraph().GetProjectsThatTransitivelyDependOnThisProject(project));
        foreach (var id in projects)
        {
            if (solution.GetProject(id) is not { } p || await p.GetCompilationAsync(cancellationToken).ConfigureAwait(false) is not { } compilation)
            {
                continue;
            }

            foreach (var diagnostic in compilation.GetDiagnostics(cancellationToken))
            {
                if (diagnostic.Severity == DiagnosticSeverity.Error)
                {
                    var key = Key(diagnostic);
                    errors[key] = errors.GetValueOrDefault(key) + 1;
                }
            }
        }

        return errors;
    }

    private static async Task<int> CountAsync(Document document, CodeDiagnostic target, CancellationToken cancellationToken)
    {
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        return model is null ? 0 : model.GetDiagnostics(cancellationToken: cancellationToken)
            .Count(d => d.Id == target.Id && d.GetMessage(CultureInfo.InvariantCulture) == target.Message);
    }

    private static string Key(Diagnostic diagnostic) =>
        (diagnostic.Location.SourceTree?.FilePath ?? string.Empty) + "|" + diagnostic.Id + "|" + diagnostic.GetMessage(CultureInfo.InvariantCulture);

    /// <summary>The errors after that were not there before (counted one for one), as "file: id: message".</summary>
    private static List<string> Subtract(Dictionary<string, int> after, Dictionary<string, int> before)
    {
        var added = new List<string>();
        foreach (var (key, count) in after)
        {
            for (var i = before.GetValueOrDefault(key); i < count; i++)
            {
                var parts = key.Split('|', 3);
                var file = parts[0].Length == 0 ? string.Empty : Path.GetFileName(parts[0]) + ": ";
                added.Add($"{file}{parts[1]}: {parts[2]}");
            }
        }

        return added;
    }
}
