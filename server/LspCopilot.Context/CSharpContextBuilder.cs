using LspCopilot.Completion;
using Microsoft.CodeAnalysis;

namespace LspCopilot.Context;

/// <summary>
/// Builds the Roslyn context at a cursor from every source of lines at once — the enclosing type's outline
/// (what the windows cut off), inherited members, the project's types used with this file's, the types in
/// play and their extension methods, referenced signatures, the receiver's members, the scope — ranked by
/// expected use and filled to the whole budget (<see cref="BudgetFill"/>). Nothing the prompt's windows show
/// is repeated (<see cref="PromptWindowView"/>): a line whose declaration they show is dropped, one whose name
/// they show is worth less. Sections are written from the most stable to the most volatile so that successive
/// keystrokes share a long prompt prefix and the engine reuses its KV cache. Per keystroke it reuses the
/// document's semantic model (<see cref="SemanticModelReuse"/>), its outline (<see cref="OutlineCache"/>), the
/// cards of types and the project's type index (per compilation: <see cref="TypeCards"/>,
/// <see cref="ProjectTypeIndex"/>) and the token counts of texts already seen (<see cref="TokenCountCache"/>,
/// bounded in characters). Counting goes to the model's tokenizer in batches (the model may run in another
/// process or on another machine): fitting runs on the counts known so far, the texts it had to estimate are
/// counted in one batch, and it runs again until nothing is missing — one to three batches for a new cursor,
/// none when typing on.
/// </summary>
public sealed class CSharpContextBuilder
{
    /// <summary>Fitting passes before the remaining estimates are accepted (each pass adds one batch).</summary>
    private const int MaxCountPasses = 6;

    private static readonly string[] s_promptOrder = [TypeOutline.SectionName, InheritedMembers.SectionName, LikelyTypes.SectionName, TypesInPlay.SectionName, ExtensionsInPlay.SectionName, ReferencedSymbols.SectionName, ReceiverMembers.SectionName, ScopeSummary.SectionName];

    /// <summary>A line whose name the windows already show keeps this share of its weight.</summary>
    private const double ShownNameFactor = 0.6;

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
        var compilation = scoped.Model.Compilation;
        var tree = root.SyntaxTree;
        var window = PromptWindowView.At(root, text, offset, _options.Window);
        var inCode = gate.Place == CursorPlace.Code;
        var receiver = inCode ? ReceiverMembers.Find(root, offset) : null;
        var receiverType = receiver is null ? null : SafelyGet(() => ReceiverMembers.ReceiverType(scoped, receiver, cancellationToken));
        var used = SafelyGet(() => ReferencedSymbols.Collect(scoped, root, offset, _options, cancellationToken));
        var enclosingType = used?.EnclosingType;
        var inPlay = used is null ? [] : TypesInPlay.Collect(used, offset);
        var carded = new HashSet<string>(StringComparer.Ordinal);
        if (receiverType is not null)
        {
            carded.Add(TypeCards.IdOf(receiverType));
        }

        // Built in the order of their claim on a type's card; written in prompt order.
        SectionDraft?[] built =
        [
            Safely(() => _outlines.Get(document.Id, text, root, offset, compilation, cancellationToken)),
            receiver is null ? null : Safely(() => ReceiverMembers.Build(scoped, receiver, _options, cancellationToken)),
            Safely(() => InheritedMembers.Build(enclosingType, compilation, tree, window, carded)),
            Safely(() => TypesInPlay.Build(inPlay, compilation, tree, window, carded)),
            Safely(() => LikelyTypes.Build(compilation, tree, enclosingType, window, carded, cancellationToken)),
            Safely(() => ExtensionsInPlay.Build(inPlay, enclosingType, compilation, cancellationToken)),
            used is null ? null : Safely(() => ReferencedSymbols.Build(used, root, offset, _options, receiverType, carded, cancellationToken)),
            inCode ? Safely(() => ScopeSummary.Build(scoped, root, offset, cancellationToken)) : null,
        ];
        var drafts = built
            .OfType<SectionDraft>()
            .Select(d => WithoutWhatTheWindowShows(d, window))
            .Where(d => d.Items.Count > 0)
            .OrderBy(d => Array.IndexOf(s_promptOrder, d.Name))
            .ToList();

        var tokenizer = CurrentTokenizer();
        for (var pass = 1; ; pass++)
        {
            var missing = new HashSet<string>(StringComparer.Ordinal);
            var result = new ContextResult(gate, BudgetFill.Fit(drafts, total, _options.Style, text => Known(text, missing)));
            if (missing.Count == 0 || pass == MaxCountPasses)
            {
                return result;
            }

            await CountAsync(tokenizer, missing, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The draft without the lines whose declaration the windows show (lines under a dropped head stay, without
    /// it), and with less weight for lines whose name the windows show.
    /// </summary>
    private static SectionDraft WithoutWhatTheWindowShows(SectionDraft draft, PromptWindowView window)
    {
        var kept = new Dictionary<ContextItem, ContextItem>(ReferenceEqualityComparer.Instance);
        var items = new List<ContextItem>(draft.Items.Count);
        foreach (var item in draft.Items)
        {
            if (item.Declared is { } declared && window.Shows(declared))
            {
                continue;
            }

            var head = item.Head is { } h ? kept.GetValueOrDefault(h) : null;
            var weight = BudgetFill.WeightOf(item) * (item.Name is { } name && window.Names.Contains(name) ? ShownNameFactor : 1);
            var adjusted = item with { Head = head, Weight = weight };
            kept[item] = adjusted;
            items.Add(adjusted);
        }

        return draft with { Items = items };
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
