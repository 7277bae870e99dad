using LspCopilot.Completion;
using Microsoft.CodeAnalysis;

namespace LspCopilot.Context;

/// <summary>
/// Builds the Roslyn context at a cursor. Sections are budgeted in priority order (outline, receiver
/// members, referenced signatures, scope), each within its own cap and the total, then written from
/// the most stable to the most volatile (outline, references, receiver, scope) so that successive
/// keystrokes share a long prompt prefix and the engine reuses its KV cache. Per keystroke it reuses
/// the document's semantic model (<see cref="SemanticModelReuse"/>), its outline (<see cref="OutlineCache"/>)
/// and the token counts of texts already seen (<see cref="TokenCountCache"/>, bounded in characters). Counting goes to the model's tokenizer in batches (the
/// model may run in another process or on another machine): fitting runs on the counts known so far,
/// the texts it had to estimate are counted in one batch, and it runs again until nothing is missing —
/// one to three batches for a new cursor, none when typing on.
/// </summary>
public sealed class CSharpContextBuilder
{
    /// <summary>Fitting passes before the remaining estimates are accepted (each pass adds one batch).</summary>
    private const int MaxCountPasses = 6;

    private static readonly string[] s_promptOrder = [TypeOutline.SectionName, ReferencedSymbols.SectionName, ReceiverMembers.SectionName, ScopeSummary.SectionName];

    private readonly AnalysisOptions _options;
    private readonly Func<ITokenCounter> _tokenizer;
    private readonly TokenCountCache _counts;
    private ITokenCounter? _countsFrom;
    private long _countBatches;
    private readonly SemanticModelReuse _models = new();
    private readonly OutlineCache _outlines = new();

    /// <param name="tokenizer">The tokenizer to count with now (the estimate until a model is loaded).</param>
    public CSharpContextBuilder(AnalysisOptions options, Func<ITokenCounter> tokenizer)
    {
        _options = options;
        _tokenizer = tokenizer;
        _counts = new TokenCountCache(options.TokenCountCacheChars);
    }

    /// <summary>The token counts kept between keystrokes.</summary>
    public TokenCountCache Counts => _counts;

    /// <summary>Batches of texts sent to the tokenizer so far.</summary>
    public long CountBatches => Interlocked.Read(ref _countBatches);

    public AnalysisOptions Options => _options;

    /// <summary>How often a keystroke reused the document's semantic model, and how often it needed a new one.</summary>
    public (long Reused, long Rebuilt) ModelReuse => (_models.Reused, _models.Rebuilt);

    /// <summary>Drops what is cached for a closed document.</summary>
    public void Forget(DocumentId id)
    {
        _models.Forget(id);
        _outlines.Forget(id);
    }

    /// <param name="promptLimit">
    /// The most context tokens the engine's prompt holds (<see cref="PromptBudget.Context"/>); the sections are fitted
    /// within it and the budget, so the engine never has to cut them. Null: the budget alone.
    /// </param>
    public async Task<ContextResult> BuildAsync(Document document, int offset, GateDecision gate, int? promptLimit, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var text = await document.GetTextAsync(cancellationToken).ConfigureAwait(false);
        var total = promptLimit is int limit ? Math.Min(_options.Budget.Total, limit) : _options.Budget.Total;
        if (root is null || total <= 0)
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

        var tokenizer = CurrentTokenizer();
        for (var pass = 1; ; pass++)
        {
            var missing = new HashSet<string>(StringComparer.Ordinal);
            var result = Fit(gate, drafts, total, text => Known(text, missing));
            if (missing.Count == 0 || pass == MaxCountPasses)
            {
                return result;
            }

            await CountAsync(tokenizer, missing, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Sections of a code action's prompt (<see cref="SelectionContext"/>), fitted like completion context —
    /// in the order given, each within its cap and the total, counted by the model's tokenizer — and rendered
    /// in that order; null when none fits.
    /// </summary>
    public async Task<string?> RenderAsync(IReadOnlyList<(SectionDraft? Draft, int Cap)> drafts, CancellationToken cancellationToken)
    {
        if (_options.Budget.Total <= 0)
        {
            return null;
        }

        var names = drafts.Select(d => d.Draft?.Name).ToList();
        var tokenizer = CurrentTokenizer();
        for (var pass = 1; ; pass++)
        {
            var missing = new HashSet<string>(StringComparer.Ordinal);
            var sections = FitSections([.. drafts], _options.Budget.Total, s => names.IndexOf(s.Name), text => Known(text, missing));
            if (missing.Count == 0 || pass == MaxCountPasses)
            {
                return sections.Count == 0 ? null : string.Concat(sections.Select(s => s.Text));
            }

            await CountAsync(tokenizer, missing, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Fits the sections in priority order, each within its cap and what <paramref name="total"/> leaves.</summary>
    private ContextResult Fit(GateDecision gate, List<(SectionDraft? Draft, int Cap)> drafts, int total, Func<string, int> countTokens) =>
        new(gate, FitSections(drafts, total, s => Array.IndexOf(s_promptOrder, s.Name), countTokens));

    /// <summary>
    /// The sections that fit <paramref name="total"/>, in prompt order (<paramref name="order"/>). Each drops whole
    /// entries, lowest priority first (<see cref="SectionFitter"/>); if the whole still counts over, the lowest-priority
    /// section loses its entries the same way (never a part of a line), then goes.
    /// </summary>
    private List<ContextSection> FitSections(List<(SectionDraft? Draft, int Cap)> drafts, int total, Func<ContextSection, int> order, Func<string, int> countTokens)
    {
        var remaining = total;
        var fitted = new List<ContextSection>();
        foreach (var (draft, cap) in drafts)
        {
            if (draft is null || remaining <= 0)
            {
                continue;
            }

            if (SectionFitter.Fit(draft, Math.Min(cap, remaining), _options.Style, countTokens) is { } section)
            {
                fitted.Add(section);
                remaining -= section.Tokens;
            }
        }

        var result = fitted.OrderBy(order).ToList();

        // Tokens can merge across section boundaries differently from each section alone: check the whole.
        while (result.Count > 0 && countTokens(string.Concat(result.Select(s => s.Text))) is var whole && whole > total)
        {
            var last = fitted[^1];
            var draft = drafts.First(d => d.Draft?.Name == last.Name).Draft!;
            var smaller = SectionFitter.Fit(draft, last.Tokens - (whole - total), _options.Style, countTokens);
            fitted.RemoveAt(fitted.Count - 1);
            if (smaller is not null && smaller.Tokens < last.Tokens)
            {
                fitted.Add(smaller);
            }

            result = [.. fitted.OrderBy(order)];
        }

        return result;
    }

    /// <summary>The count of a text if known for the current tokenizer; else the estimate, and the text joins <paramref name="missing"/>.</summary>
    private int Known(string text, HashSet<string> missing)
    {
        if (_counts.TryGet(text, out var count))
        {
            return count;
        }

        missing.Add(text);
        return TokenEstimate.Count(text);
    }

    /// <summary>The tokenizer of this request; counts of another one (the estimate before the model loaded) do not carry over.</summary>
    private ITokenCounter CurrentTokenizer()
    {
        var tokenizer = _tokenizer();
        if (!ReferenceEquals(tokenizer, Volatile.Read(ref _countsFrom)))
        {
            _counts.Clear();
            Volatile.Write(ref _countsFrom, tokenizer);
        }

        return tokenizer;
    }

    private async Task CountAsync(ITokenCounter tokenizer, HashSet<string> texts, CancellationToken cancellationToken)
    {
        string[] batch = [.. texts];
        Interlocked.Increment(ref _countBatches);
        var counts = await tokenizer.CountTokensAsync(batch, cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < batch.Length && i < counts.Count; i++)
        {
            _counts.Add(batch[i], counts[i]);
        }
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
