using System.Collections.Concurrent;
using System.Globalization;
using LspCopilot.Completion;
using LspCopilot.Completion.CodeActions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace LspCopilot.Context;

/// <summary>
/// The C# completion planner of a session: the syntax gate, the Roslyn context, the syntax stopper and
/// the compile check — and, for code actions, the diagnostics, targets, prompt context and proposal checks
/// (<see cref="ICodeActionAnalysis"/>). C# documents inside a workspace folder are analysed with the folder's
/// solution; C# documents outside every folder with their own text only; other languages go to the text gate
/// (and <see cref="TextCodeActionAnalysis"/>). Open documents follow <see cref="DocumentStore.Changed"/>, one
/// document update per keystroke.
/// </summary>
public sealed class RoslynContextProvider : ICompletionContextProvider, ICandidateRanker, ICodeActionAnalysis, IDisposable
{
    private readonly Func<IReadOnlyList<string>?> _rootsSource;
    private readonly AnalysisOptions _options;
    private readonly ServerLog _log;
    private readonly Func<ITokenCounter> _tokenizer;
    private readonly object _builderLock = new();
    private CSharpContextBuilder _builder;

    /// <summary>Code actions' context: a chat prompt, written in <see cref="AnalysisOptions.Style"/> whatever the completion model's layout.</summary>
    private readonly CSharpContextBuilder _actionsBuilder;
    private readonly TextCompletionGate _textGate = new();
    private readonly ConcurrentDictionary<string, FolderWorkspace> _folders = new(FolderWorkspace.PathComparer);
    private readonly ConcurrentDictionary<string, DocumentPlace> _places = new(StringComparer.Ordinal);
    private readonly DetachedDocuments _detached = new();
    private readonly Func<string, AnalysisOptions, CancellationToken, ScannedFolder> _scan;
    private readonly object _rootsLock = new();
    private WorkspaceRoots? _roots;

    /// <param name="roots">Workspace folders.</param>
    /// <param name="tokenizer">The model's tokenizer; null = the chars/4 estimate.</param>
    public RoslynContextProvider(IEnumerable<string> roots, AnalysisOptions options, ITokenCounter? tokenizer, ServerLog log)
        : this(() => [.. roots], options, () => tokenizer ?? TokenEstimate.Instance, log)
    {
    }

    /// <param name="roots">Workspace folder paths, read on first use (null: not known yet, ask again next time).</param>
    /// <param name="tokenizer">The tokenizer to count with at each request (e.g. the estimate until the model loads).</param>
    public RoslynContextProvider(Func<IReadOnlyList<string>?> roots, AnalysisOptions options, Func<ITokenCounter> tokenizer, ServerLog log)
        : this(roots, options, tokenizer, log, SourceFileScanner.Scan)
    {
    }

    /// <param name="scan">Lists a workspace folder's files (tests hold it to keep a folder loading).</param>
    internal RoslynContextProvider(Func<IReadOnlyList<string>?> roots, AnalysisOptions options, Func<ITokenCounter> tokenizer, ServerLog log, Func<string, AnalysisOptions, CancellationToken, ScannedFolder> scan)
    {
        _scan = scan;
        _rootsSource = roots;
        _options = options;
        _log = log;
        _tokenizer = tokenizer;
        _builder = new CSharpContextBuilder(options, tokenizer);
        _actionsBuilder = new CSharpContextBuilder(options, tokenizer);
    }

    public AnalysisOptions Options => _options;

    /// <summary>
    /// How the model in use wants its context written (<see cref="ContextStyle.For"/> its FIM layout), asked at each
    /// request; null, or a null answer (no model yet): <see cref="AnalysisOptions.Style"/>.
    /// </summary>
    public Func<ContextStyle?>? StyleSource { get; init; }

    /// <summary>
    /// The user's recently edited and opened code (fed by the session's document changes): its chunks most similar to
    /// the cursor's lines fill what the semantic sections leave (<see cref="RecentContext"/>), in C# and every other
    /// language; null: none.
    /// </summary>
    public RecentSnippets? Recent { get; init; }

    /// <summary>
    /// The most context tokens the prompt of the engine in use holds (<see cref="PromptBudget.Context"/> of its context
    /// size and the client's generation options), asked at each request; null, or a null answer: the budget alone. The
    /// sections are fitted within it, so the engine never cuts them and <c>lspcopilot context</c> shows what is sent.
    /// </summary>
    public Func<int?>? PromptContextLimit { get; init; }

    /// <summary>How often a request reused a document's semantic model, and how often it needed a new one.</summary>
    public (long Reused, long Rebuilt) ModelReuse => _builder.ModelReuse;

    /// <summary>The token counts kept between keystrokes (bounded).</summary>
    public TokenCountCache TokenCounts => _builder.Counts;

    /// <summary>Batches of texts sent to the tokenizer so far (each is one round trip to a model in another process).</summary>
    public long TokenCountBatches => _builder.CountBatches;

    /// <summary>Keeps the Roslyn documents in step with the editor (didOpen/didChange/didClose).</summary>
    public void OnDocumentChanged(string uri, DocumentSnapshot? snapshot)
    {
        try
        {
            if (snapshot is not null && !IsCSharp(snapshot))
            {
                return;
            }

            var place = Place(uri);
            if (place.Folder is { } folder)
            {
                _ = folder.EnsureLoadingAsync();
                if (snapshot is null)
                {
                    Forget(folder.Close(place.Path));
                    // Requests while the folder was loading analysed a detached copy.
                    Forget(_detached.Remove(uri));
                    _places.TryRemove(uri, out _);
                }
                else
                {
                    folder.SetOpenText(place.Path, snapshot.Text);
                }
            }
            else if (snapshot is null)
            {
                Forget(_detached.Remove(uri));
                _places.TryRemove(uri, out _);
            }
            else
            {
                _detached.GetDocument(uri, snapshot.Text);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _log.Warning($"C# analysis could not follow the change to {uri}: {ex.Message}");
        }
    }

    /// <summary>A file changed on disk (the editor's file watcher): its folder reads it again (see <see cref="FolderWorkspace.OnDiskChanged"/>).</summary>
    public void OnFileChanged(string uri, FileChangeKind kind)
    {
        try
        {
            var place = Place(uri);
            if (place.Folder is { } folder)
            {
                Forget(folder.OnDiskChanged(place.Path, kind));
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _log.Warning($"C# analysis could not follow the change on disk of {uri}: {ex.Message}");
        }
    }

    public async ValueTask<CompletionPlan?> PlanAsync(DocumentSnapshot document, int offset, CancellationToken cancellationToken)
    {
        if (!IsCSharp(document))
        {
            return await TextPlanAsync(document, offset, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            var analysed = await AnalyseAsync(document, offset, cancellationToken).ConfigureAwait(false);
            if (analysed is null)
            {
                return null;
            }

            var (roslynDocument, context) = analysed.Value;
            var tree = await roslynDocument.GetSyntaxTreeAsync(cancellationToken).ConfigureAwait(false);
            var stopper = tree is null ? null : SyntaxStopper.Create(tree, document.Text, offset, context.Gate);
            return new CompletionPlan(context.Gate.Mode)
            {
                Context = context.Rendered,
                Stopper = stopper,
                Cleaner = stopper,
                Ranker = this,
            };
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _log.Warning($"C# analysis failed at {document.Uri}@{offset} ({ex.GetType().Name}: {ex.Message}); completing from the text alone.");
            return await TextPlanAsync(document, offset, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The text gate's plan, with the recent code most similar to the cursor's lines as its context (other languages, or C# when analysis failed).</summary>
    private async Task<CompletionPlan?> TextPlanAsync(DocumentSnapshot document, int offset, CancellationToken cancellationToken)
    {
        var plan = await _textGate.PlanAsync(document, offset, cancellationToken).ConfigureAwait(false);
        if (plan is null || Recent is null)
        {
            return plan;
        }

        var context = await TextContextAsync(document, offset, cancellationToken).ConfigureAwait(false);
        return context.Sections.Count == 0 ? plan : plan with { Context = context.Rendered };
    }

    /// <summary>The context of a document the text gate plans: the recent section alone (and the file header in the repo-level layout).</summary>
    public async Task<ContextResult> TextContextAsync(DocumentSnapshot document, int offset, CancellationToken cancellationToken)
    {
        var builder = Builder();
        var limit = PromptContextLimit?.Invoke();
        var currentFile = ContextRenderer.CurrentFile(builder.Options.Style, FileName(document.Uri));
        var currentFileTokens = currentFile is null ? 0 : await CountAsync(builder, currentFile, cancellationToken).ConfigureAwait(false);
        var gate = new GateDecision(CompletionMode.SingleLine, default, false);
        var sections = new List<ContextSection>();
        if (Recent is { } recent
            && await RecentContext.BuildAsync(recent, document, offset, builder.Options.Style, Math.Min(builder.Options.Budget.Recent, Math.Min(builder.Options.Budget.Total, limit ?? int.MaxValue) - currentFileTokens), Counter(builder), cancellationToken).ConfigureAwait(false) is { } section)
        {
            sections.Add(section);
            if (currentFile is not null)
            {
                sections.Add(new ContextSection(CurrentFileSection, currentFile, currentFileTokens));
            }
        }

        return new ContextResult(gate, sections);
    }

    /// <summary>The gate's decision and the context sections at a cursor; null when the gate declines.</summary>
    public async Task<ContextResult?> BuildContextAsync(DocumentSnapshot document, int offset, CancellationToken cancellationToken) =>
        (await AnalyseAsync(document, offset, cancellationToken).ConfigureAwait(false))?.Context;

    public async Task<CandidateRanking> RankAsync(DocumentSnapshot document, int offset, IReadOnlyList<string> candidates, CancellationToken cancellationToken)
    {
        var roslynDocument = await DocumentAsync(document, cancellationToken).ConfigureAwait(false);
        return await CompileCheck.RankAsync(roslynDocument, offset, candidates, cancellationToken).ConfigureAwait(false);
    }

    public bool Compiles(DocumentSnapshot document) => IsCSharp(document);

    public async Task<IReadOnlyList<CodeDiagnostic>> DiagnosticsAsync(DocumentSnapshot document, TextSpan span, CancellationToken cancellationToken)
    {
        if (!IsCSharp(document))
        {
            return await TextCodeActionAnalysis.Instance.DiagnosticsAsync(document, span, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            var roslynDocument = await DocumentAsync(document, cancellationToken).ConfigureAwait(false);
            var model = await roslynDocument.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
            if (model is null)
            {
                return [];
            }

            // Whole lines, so a diagnostic that starts before the selection on its line is asked for too (Roslyn's lines: a widening only).
            var lines = document.Text.Lines;
            var query = TextSpan.FromBounds(lines.GetLineFromPosition(span.Start).Start, lines.GetLineFromPosition(span.End).End);
            return [.. model.GetDiagnostics(query, cancellationToken)
                .Where(d => d.Severity is DiagnosticSeverity.Error or DiagnosticSeverity.Warning && d.Location.IsInSource && d.Location.SourceSpan.IntersectsWith(span))
                .OrderBy(d => d.Location.SourceSpan.Start)
                .Select(d => new CodeDiagnostic(d.Id, d.GetMessage(CultureInfo.InvariantCulture), d.Severity == DiagnosticSeverity.Error, d.Location.SourceSpan))];
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The list must still come: without quick fixes rather than not at all.
            _log.Warning($"C# diagnostics for code actions at {document.Uri} failed ({ex.GetType().Name}: {ex.Message}); no quick fixes listed.");
            return [];
        }
    }

    public async Task<TextSpan?> TargetAsync(DocumentSnapshot document, TextSpan selection, CancellationToken cancellationToken)
    {
        if (!IsCSharp(document))
        {
            return await TextCodeActionAnalysis.Instance.TargetAsync(document, selection, cancellationToken).ConfigureAwait(false);
        }

        var root = await (await DocumentAsync(document, cancellationToken).ConfigureAwait(false)).GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        return root is null ? null : CodeActionTarget.Find(root, selection);
    }

    public async Task<string?> ContextAsync(DocumentSnapshot document, TextSpan span, CancellationToken cancellationToken)
    {
        if (!IsCSharp(document))
        {
            return null;
        }

        try
        {
            var roslynDocument = await DocumentAsync(document, cancellationToken).ConfigureAwait(false);
            var root = await roslynDocument.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
            var model = await roslynDocument.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
            if (root is null || model is null)
            {
                return null;
            }

            var diagnostics = await DiagnosticsAsync(document, span, cancellationToken).ConfigureAwait(false);
            var drafts = SelectionContext.Drafts(model, root, span, diagnostics, document.Text, _options, cancellationToken);
            return await _actionsBuilder.RenderAsync(drafts, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _log.Warning($"C# context for a code action at {document.Uri} failed ({ex.GetType().Name}: {ex.Message}); the prompt has the code alone.");
            return null;
        }
    }

    public async Task<IProposalCheck> BeginCheckAsync(DocumentSnapshot document, TextSpan span, CodeDiagnostic? mustFix, CancellationToken cancellationToken)
    {
        if (!IsCSharp(document))
        {
            return await TextCodeActionAnalysis.Instance.BeginCheckAsync(document, span, mustFix, cancellationToken).ConfigureAwait(false);
        }

        // The check compiles the whole project: it waits for the folder (a resolve is asked for, not typed through).
        var place = Place(document.Uri);
        Document? roslynDocument = null;
        if (place.Folder is { } folder)
        {
            await folder.EnsureLoadingAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
            roslynDocument = folder.GetDocument(place.Path, document.Text);
        }

        roslynDocument ??= _detached.GetDocument(document.Uri, document.Text);
        return await RefactorCheck.BeginAsync(roslynDocument, span, mustFix, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Waits for the workspace folder of <paramref name="uri"/> to load (the command line and benchmarks want the full context); false when it has none.</summary>
    public async Task<bool> WaitForWorkspaceAsync(string uri, CancellationToken cancellationToken)
    {
        if (Place(uri).Folder is not { } folder)
        {
            return false;
        }

        await folder.EnsureLoadingAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>The figures of the load of <paramref name="uri"/>'s folder, once loaded.</summary>
    public WorkspaceLoadStats? LoadStats(string uri) => Place(uri).Folder?.Stats;

    private async Task<(Document Document, ContextResult Context)?> AnalyseAsync(DocumentSnapshot document, int offset, CancellationToken cancellationToken)
    {
        var roslynDocument = await DocumentAsync(document, cancellationToken).ConfigureAwait(false);
        var root = await roslynDocument.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root is null || SyntaxCompletionGate.Decide(root, document.Text, offset) is not { } gate)
        {
            return null;
        }

        LatencyTrace.MarkCurrent(LatencyTrace.Stages.Gated);
        var builder = Builder();
        var limit = PromptContextLimit?.Invoke();
        var currentFile = ContextRenderer.CurrentFile(builder.Options.Style, FileName(document.Uri));
        var currentFileTokens = currentFile is null ? 0 : await CountAsync(builder, currentFile, cancellationToken).ConfigureAwait(false);
        var context = await builder.BuildAsync(roslynDocument, offset, gate, limit is int l ? l - currentFileTokens : null, cancellationToken).ConfigureAwait(false);
        var left = Math.Min(builder.Options.Budget.Total, limit ?? int.MaxValue) - currentFileTokens - context.Tokens;
        if (Recent is { } recent
            && await RecentContext.BuildAsync(recent, document, offset, builder.Options.Style, Math.Min(builder.Options.Budget.Recent, left), Counter(builder), cancellationToken).ConfigureAwait(false) is { } section)
        {
            // After the semantic sections: what the user just touched elsewhere, when it resembles the code at the cursor.
            context = context with { Sections = [.. context.Sections, section] };
        }

        if (currentFile is not null && context.Sections.Count > 0)
        {
            // Other files first, then this file's header: the FIM block that follows is its text (Qwen's repo-level layout).
            context = context with { Sections = [.. context.Sections, new ContextSection(CurrentFileSection, currentFile, currentFileTokens)] };
        }

        return (roslynDocument, context);
    }

    /// <summary>The section that names the file being completed, last in a repository-level context.</summary>
    public const string CurrentFileSection = "file";

    /// <summary>
    /// The builder for the style of the model in use: a new one when the style changed (once, when a model with
    /// repository-level tokens loads), so its cached token counts and outlines are of the text the prompt holds.
    /// </summary>
    private CSharpContextBuilder Builder()
    {
        var style = StyleSource?.Invoke() ?? _options.Style;
        lock (_builderLock)
        {
            if (_builder.Options.Style != style)
            {
                _builder = new CSharpContextBuilder(_options with { Style = style }, _tokenizer);
            }

            return _builder;
        }
    }

    private async Task<int> CountAsync(CSharpContextBuilder builder, string text, CancellationToken cancellationToken)
    {
        if (builder.Counts.TryGet(text, out var count))
        {
            return count;
        }

        var counts = await _tokenizer().CountTokensAsync([text], cancellationToken).ConfigureAwait(false);
        count = counts.Count > 0 ? counts[0] : TokenEstimate.Count(text);
        builder.Counts.Add(text, count);
        return count;
    }

    /// <summary>A token counter that answers from the builder's cache and asks the model only for texts it has not counted.</summary>
    private CachedCounter Counter(CSharpContextBuilder builder) => new(builder.Counts, _tokenizer());

    private sealed class CachedCounter(TokenCountCache cache, ITokenCounter tokenizer) : ITokenCounter
    {
        public async Task<IReadOnlyList<int>> CountTokensAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken)
        {
            var counts = new int[texts.Count];
            var missing = new List<int>();
            for (var i = 0; i < texts.Count; i++)
            {
                if (!cache.TryGet(texts[i], out counts[i]))
                {
                    missing.Add(i);
                }
            }

            if (missing.Count > 0)
            {
                var counted = await tokenizer.CountTokensAsync([.. missing.Select(i => texts[i])], cancellationToken).ConfigureAwait(false);
                for (var j = 0; j < missing.Count; j++)
                {
                    counts[missing[j]] = j < counted.Count ? counted[j] : TokenEstimate.Count(texts[missing[j]]);
                    cache.Add(texts[missing[j]], counts[missing[j]]);
                }
            }

            return counts;
        }
    }

    /// <summary>The document's path in the file header: the URI's last segment, unescaped.</summary>
    private static string FileName(string uri)
    {
        var last = uri.TrimEnd('/');
        last = last[(last.LastIndexOf('/') + 1)..];
        return Uri.UnescapeDataString(last);
    }

    private async Task<Document> DocumentAsync(DocumentSnapshot snapshot, CancellationToken cancellationToken)
    {
        var place = Place(snapshot.Uri);
        if (place.Folder is { } folder && await folder.WaitLoadedAsync(_options.LoadWait, cancellationToken).ConfigureAwait(false)
            && folder.GetDocument(place.Path, snapshot.Text) is { } inFolder)
        {
            return inFolder;
        }

        return _detached.GetDocument(snapshot.Uri, snapshot.Text);
    }

    /// <summary>Where a URI's document lives: its folder workspace and real path, or nowhere (detached). Cached per URI.</summary>
    private DocumentPlace Place(string uri)
    {
        if (_places.TryGetValue(uri, out var known))
        {
            return known;
        }

        var roots = Roots();
        if (roots is null)
        {
            // Before initialize: decide again next time.
            return new DocumentPlace(null, string.Empty);
        }

        var root = roots.RootOfUri(uri, out var path);
        var place = root is null
            ? new DocumentPlace(null, string.Empty)
            : new DocumentPlace(_folders.GetOrAdd(root, r => new FolderWorkspace(r, _options, _log, _scan)), path);
        return _places.GetOrAdd(uri, place);
    }

    private WorkspaceRoots? Roots()
    {
        if (Volatile.Read(ref _roots) is { } known)
        {
            return known;
        }

        lock (_rootsLock)
        {
            return _roots ??= ReadRoots();
        }
    }

    /// <summary>The roots, once the client has named them (null before); refused roots are logged here, once.</summary>
    private WorkspaceRoots? ReadRoots()
    {
        if (_rootsSource() is { } paths)
        {
            var roots = new WorkspaceRoots(paths, _options.HomeFolder);
            foreach (var refused in roots.Refused)
            {
                _log.Warning($"The workspace folder {refused.Path} is {refused.Reason}: its C# files are not loaded (that would walk everything under it); open documents there are analysed from their own text. Open the project's folder instead for full context.");
            }

            _log.Debug(roots.Paths.Count == 0
                ? "No workspace folder: C# documents are analysed alone."
                : $"C# workspace folders: {string.Join(", ", roots.Paths)}");
            return roots;
        }

        return null;
    }

    /// <summary>A closed document's cached semantic model and outline are dropped with it.</summary>
    private void Forget(DocumentId? id)
    {
        if (id is not null)
        {
            Builder().Forget(id);
            _actionsBuilder.Forget(id);
        }
    }

    private static bool IsCSharp(DocumentSnapshot document) =>
        document.LanguageId.Equals("csharp", StringComparison.OrdinalIgnoreCase)
        || document.Uri.EndsWith(".cs", StringComparison.OrdinalIgnoreCase);

    public void Dispose()
    {
        foreach (var folder in _folders.Values)
        {
            folder.Dispose();
        }

        _detached.Dispose();
    }

    private readonly record struct DocumentPlace(FolderWorkspace? Folder, string Path);
}
