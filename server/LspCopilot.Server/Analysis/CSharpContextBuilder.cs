using Microsoft.CodeAnalysis;

namespace LspCopilot.Server.Analysis;

/// <summary>
/// Builds the Roslyn context at a cursor. Sections are budgeted in priority order (outline, receiver
/// members, referenced signatures, scope), each within its own cap and the total, then written from
/// the most stable to the most volatile (outline, references, receiver, scope) so that successive
/// keystrokes share a long prompt prefix and the engine reuses its KV cache.
/// </summary>
public sealed class CSharpContextBuilder(AnalysisOptions options, Func<string, int> countTokens)
{
    private static readonly string[] s_promptOrder = [TypeOutline.SectionName, ReferencedSymbols.SectionName, ReceiverMembers.SectionName, ScopeSummary.SectionName];

    public AnalysisOptions Options => options;

    public async Task<ContextResult> BuildAsync(Document document, int offset, GateDecision gate, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root is null || options.Budget.Total <= 0)
        {
            return new ContextResult(gate, []);
        }

        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        var drafts = new List<(SectionDraft? Draft, int Cap)>
        {
            (TypeOutline.Build(root, offset, model, cancellationToken), options.Budget.Outline),
        };

        if (model is not null)
        {
            var receiver = gate.Place == CursorPlace.Code ? ReceiverMembers.Find(root, offset) : null;
            drafts.Add((receiver is null ? null : ReceiverMembers.Build(model, receiver, options, cancellationToken), options.Budget.Receiver));
            drafts.Add((ReferencedSymbols.Build(model, root, offset, options, cancellationToken), options.Budget.References));
            drafts.Add((gate.Place == CursorPlace.Code ? ScopeSummary.Build(model, root, offset, cancellationToken) : null, options.Budget.Scope));
        }

        var remaining = options.Budget.Total;
        var fitted = new List<ContextSection>();
        foreach (var (draft, cap) in drafts)
        {
            if (draft is null || remaining <= 0)
            {
                continue;
            }

            if (SectionFitter.Fit(draft, Math.Min(cap, remaining), options.Style, countTokens) is { } section)
            {
                fitted.Add(section);
                remaining -= section.Tokens;
            }
        }

        var result = new ContextResult(gate, [.. fitted.OrderBy(s => Array.IndexOf(s_promptOrder, s.Name))]);

        // Tokens can merge across section boundaries differently from each section alone: check the whole.
        while (result.Sections.Count > 0 && countTokens(result.Rendered!) > options.Budget.Total)
        {
            fitted.RemoveAt(fitted.Count - 1);
            result = new ContextResult(gate, [.. fitted.OrderBy(s => Array.IndexOf(s_promptOrder, s.Name))]);
        }

        return result;
    }
}
