using System.Collections.Concurrent;
using Microsoft.CodeAnalysis;

namespace LspCopilot.Server.Analysis;

/// <summary>
/// Builds the Roslyn context at a cursor. Sections are budgeted in priority order (outline, receiver
/// members, referenced signatures, scope), each within its own cap and the total, then written from
/// the most stable to the most volatile (outline, references, receiver, scope) so that successive
/// keystrokes share a long prompt prefix and the engine reuses its KV cache. Per keystroke it reuses
/// the document's semantic model (<see cref="SemanticModelReuse"/>), its outline (<see cref="OutlineCache"/>)
/// and the token counts of lines already seen.
/// </summary>
public sealed class CSharpContextBuilder
{
    private const int MaxCachedCounts = 50_000;

    private static readonly string[] s_promptOrder = [TypeOutline.SectionName, ReferencedSymbols.SectionName, ReceiverMembers.SectionName, ScopeSummary.SectionName];

    private readonly AnalysisOptions _options;
    private readonly Func<string, int> _countTokens;
    private readonly ConcurrentDictionary<string, int> _counts = new(StringComparer.Ordinal);
    private readonly SemanticModelReuse _models = new();
    private readonly OutlineCache _outlines = new();

    public CSharpContextBuilder(AnalysisOptions options, Func<string, int> countTokens)
    {
        _options = options;
        _countTokens = countTokens;
    }

    public AnalysisOptions Options => _options;

    /// <summary>How often a keystroke reused the document's semantic model, and how often it needed a new one.</summary>
    public (long Reused, long Rebuilt) ModelReuse => (_models.Reused, _models.Rebuilt);

    /// <summary>Drops what is cached for a closed document.</summary>
    public void Forget(DocumentId id)
    {
        _models.Forget(id);
        _outlines.Forget(id);
    }

    public async Task<ContextResult> BuildAsync(Document document, int offset, GateDecision gate, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var text = await document.GetTextAsync(cancellationToken).ConfigureAwait(false);
        if (root is null || _options.Budget.Total <= 0)
        {
            return new ContextResult(gate, []);
        }

        var scoped = await _models.GetAsync(document, offset, cancellationToken).ConfigureAwait(false);
        var receiver = gate.Place == CursorPlace.Code ? ReceiverMembers.Find(root, offset) : null;
        var receiverType = receiver is null ? null : SafelyGet(() => ReceiverMembers.ReceiverType(scoped, receiver, cancellationToken));
        var drafts = new List<(SectionDraft? Draft, int Cap)>
        {
            (Safely(() => _outlines.Get(document.Id, text, root, offset, scoped.Model.Compilation, cancellationToken)), _options.Budget.Outline),
            (receiver is null ? null : Safely(() => ReceiverMembers.Build(scoped, receiver, _options, cancellationToken)), _options.Budget.Receiver),
            (Safely(() => ReferencedSymbols.Build(scoped, root, offset, _options, receiverType, cancellationToken)), _options.Budget.References),
            (gate.Place == CursorPlace.Code ? Safely(() => ScopeSummary.Build(scoped, root, offset, cancellationToken)) : null, _options.Budget.Scope),
        };

        var remaining = _options.Budget.Total;
        var fitted = new List<ContextSection>();
        foreach (var (draft, cap) in drafts)
        {
            if (draft is null || remaining <= 0)
            {
                continue;
            }

            if (SectionFitter.Fit(draft, Math.Min(cap, remaining), _options.Style, CountTokens) is { } section)
            {
                fitted.Add(section);
                remaining -= section.Tokens;
            }
        }

        var result = new ContextResult(gate, [.. fitted.OrderBy(s => Array.IndexOf(s_promptOrder, s.Name))]);

        // Tokens can merge across section boundaries differently from each section alone: check the whole.
        while (result.Sections.Count > 0 && _countTokens(result.Rendered!) > _options.Budget.Total)
        {
            fitted.RemoveAt(fitted.Count - 1);
            result = new ContextResult(gate, [.. fitted.OrderBy(s => Array.IndexOf(s_promptOrder, s.Name))]);
        }

        return result;
    }

    private int CountTokens(string text)
    {
        if (_counts.Count > MaxCachedCounts)
        {
            _counts.Clear();
        }

        return _counts.GetOrAdd(text, _countTokens);
    }

    /// <summary>A section that fails on code Roslyn cannot answer for (a node outside a speculative model) is left out, not the whole context.</summary>
    private static T? SafelyGet<T>(Func<T?> build)
        where T : class
    {
        try
        {
            return build();
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    private static SectionDraft? Safely(Func<SectionDraft?> build) => SafelyGet(build);
}
