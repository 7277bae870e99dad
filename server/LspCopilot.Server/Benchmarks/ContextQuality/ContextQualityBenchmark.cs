using System.Diagnostics;
using LspCopilot.Completion;
using LspCopilot.Context;
using LspCopilot.Server.Cli;

namespace LspCopilot.Server.Benchmarks.ContextQuality;

/// <summary>
/// The context-quality suite (issue 15 §5): masks statements of the corpus chosen by a fixed seed, builds
/// the prompt at each cursor as <c>lspcopilot context</c> does (the provider's context at the budget,
/// counted at a real code model's token size, then <see cref="PromptLayout.Estimate"/>), and counts which of
/// the names the removed text needs from other files the prompt carries — against a plain window of the
/// prompt's length.
/// </summary>
public static class ContextQualityBenchmark
{
    /// <summary>The command line's run: the table or JSON on <paramref name="stdout"/>; 2 with a message when the corpus cannot be found.</summary>
    public static async Task<int> RunAsync(ContextQualityOptions options, bool json, TextWriter stdout, TextWriter stderr, ServerLog log, CancellationToken cancellationToken)
    {
        ContextQualityReport report;
        try
        {
            report = await RunAsync(options, log, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is DirectoryNotFoundException or InvalidDataException)
        {
            await stderr.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
            return 2;
        }

        await stdout.WriteLineAsync(json ? report.ToJson() : report.ToTable()).ConfigureAwait(false);
        return 0;
    }

    public static async Task<ContextQualityReport> RunAsync(ContextQualityOptions options, ServerLog log, CancellationToken cancellationToken)
    {
        var corpus = CorpusProject.Locate(options.Corpus)
            ?? throw new DirectoryNotFoundException(options.Corpus is null
                ? "No tests/fixtures/ContextQuality above the current folder or the program's; pass --corpus PATH."
                : "The corpus folder does not exist: " + options.Corpus);
        var folders = CorpusProject.FoldersIn(corpus)
            .Where(f => options.Projects is null || options.Projects.Contains(Path.GetFileName(f)))
            .ToList();
        if (folders.Count == 0)
        {
            throw new InvalidDataException("No corpus project (a folder holding a .csproj) under " + corpus);
        }

        var projects = new List<CorpusProject>();
        foreach (var folder in folders)
        {
            projects.Add(await CorpusProject.LoadAsync(folder, cancellationToken).ConfigureAwait(false));
        }

        var candidates = StatementPicker.Candidates(projects);
        var picked = StatementPicker.Pick(candidates, options.Statements, options.Seed);
        var tally = new Tally();
        var counter = new CodeTokenEstimate(options.CharsPerToken);
        var analysis = new AnalysisOptions { Budget = new ContextBudget().ScaledTo(options.Budget) };
        foreach (var project in projects)
        {
            var statements = picked.Where(s => s.Project == project).ToList();
            if (statements.Count > 0)
            {
                var warmUp = candidates.Where(c => c.Project == project && !statements.Contains(c)).Take(options.WarmUp).ToList();
                await MeasureProjectAsync(statements, warmUp, analysis, counter, tally, log, cancellationToken).ConfigureAwait(false);
            }
        }

        return tally.Report(options, projects) with { CandidateStatements = candidates.Count };
    }

    private static async Task MeasureProjectAsync(List<MaskedStatement> statements, List<MaskedStatement> warmUp, AnalysisOptions analysis, ITokenCounter counter, Tally tally, ServerLog log, CancellationToken cancellationToken)
    {
        var root = ContextCommand.WorkspaceRootFor(new FileInfo(statements[0].File.Path));
        using var provider = new RoslynContextProvider([root], analysis, counter, log);
        var versions = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var statement in warmUp.Concat(statements))
        {
            var uri = new Uri(statement.File.Path).AbsoluteUri;
            var version = versions.GetValueOrDefault(uri);
            var (context, prompt, elapsed, cpu) = await PromptAtAsync(provider, statement, version, cancellationToken).ConfigureAwait(false);
            versions[uri] = version + 2;
            if (!warmUp.Contains(statement))
            {
                tally.Add(statement, context, prompt, elapsed, cpu);
            }
        }
    }

    /// <summary>
    /// The prompt at a masked statement as <c>lspcopilot context</c> (without <c>--model</c>) builds it: the
    /// document with the removed text goes to the provider (versions <paramref name="version"/> + 1), its
    /// context is built and timed, the prompt laid out by <see cref="PromptLayout.Estimate"/>; then the file
    /// goes back to its text as written (version + 2), so the next statement sees the project unmodified.
    /// <c>Cpu</c> is the process's CPU time during the build: on a busy machine it varies less than the wall clock.
    /// </summary>
    public static async Task<(ContextResult? Context, PromptLayout? Prompt, TimeSpan Elapsed, TimeSpan Cpu)> PromptAtAsync(RoslynContextProvider provider, MaskedStatement statement, int version, CancellationToken cancellationToken)
    {
        var uri = new Uri(statement.File.Path).AbsoluteUri;
        var masked = statement.MaskedText;
        var document = new DocumentSnapshot(uri, "csharp", version + 1, masked);
        provider.OnDocumentChanged(uri, document);
        await provider.WaitForWorkspaceAsync(uri, cancellationToken).ConfigureAwait(false);

        using var process = Process.GetCurrentProcess();
        var cpuStarted = process.TotalProcessorTime;
        var started = Stopwatch.GetTimestamp();
        var context = await provider.BuildContextAsync(document, statement.Offset, cancellationToken).ConfigureAwait(false);
        var elapsed = Stopwatch.GetElapsedTime(started);
        process.Refresh();
        var cpu = process.TotalProcessorTime - cpuStarted;

        provider.OnDocumentChanged(uri, new DocumentSnapshot(uri, "csharp", version + 2, statement.File.Text));
        var prompt = context is null ? null : PromptLayout.Estimate(masked, statement.Offset, context, new GenerationOptions());
        return (context, prompt, elapsed, cpu);
    }

    /// <summary>The counts behind the report, statement by statement.</summary>
    private sealed class Tally
    {
        private readonly Percentiles _contextTimes = new();
        private readonly Percentiles _contextCpu = new();
        private readonly Dictionary<NeededKind, (int Needed, int InPrompt, int InBaseline)> _byKind = [];
        private readonly List<string> _misses = [];
        private int _statements;
        private int _withNeeded;
        private int _declined;
        private int _needed;
        private int _inPrompt;
        private int _inBaseline;
        private int _allInPrompt;
        private int _allInBaseline;
        private int _unseen;
        private int _unseenInPrompt;
        private long _contextTokens;
        private long _promptChars;

        public void Add(MaskedStatement statement, ContextResult? context, PromptLayout? prompt, TimeSpan elapsed, TimeSpan cpu)
        {
            _statements++;
            _contextTimes.Record(elapsed);
            _contextCpu.Record(cpu);
            if (context is null || prompt is null)
            {
                _declined++;
                return;
            }

            var promptLength = prompt.Sections.Sum(s => s.Text.Length);
            var fileText = statement.MaskedText.ToString();
            var (prefix, suffix) = BaselineWindow.Around(fileText, statement.Offset, promptLength);
            var baseline = prefix + suffix;
            _contextTokens += context.Tokens;
            _promptChars += promptLength;

            var needed = NeededNames.In(statement.File, statement.Removed);
            if (needed.Count == 0)
            {
                return;
            }

            _withNeeded++;
            var allInPrompt = true;
            var allInBaseline = true;
            foreach (var name in needed)
            {
                var inPrompt = WholeIdentifier.Occurs(prompt.Text, name.Name);
                var inBaseline = WholeIdentifier.Occurs(baseline, name.Name);
                var unseen = !WholeIdentifier.Occurs(fileText, name.Name);
                _needed++;
                _inPrompt += inPrompt ? 1 : 0;
                _inBaseline += inBaseline ? 1 : 0;
                _unseen += unseen ? 1 : 0;
                _unseenInPrompt += unseen && inPrompt ? 1 : 0;
                allInPrompt &= inPrompt;
                allInBaseline &= inBaseline;
                var kind = _byKind.GetValueOrDefault(name.Kind);
                _byKind[name.Kind] = (kind.Needed + 1, kind.InPrompt + (inPrompt ? 1 : 0), kind.InBaseline + (inBaseline ? 1 : 0));
                if (!inPrompt)
                {
                    _misses.Add($"{statement} {name.Name} ({name.Kind}{(unseen ? ", unseen" : string.Empty)})");
                }
            }

            _allInPrompt += allInPrompt ? 1 : 0;
            _allInBaseline += allInBaseline ? 1 : 0;
        }

        public ContextQualityReport Report(ContextQualityOptions options, IReadOnlyList<CorpusProject> projects)
        {
            var answered = _statements - _declined;
            return new ContextQualityReport
            {
                DeclarationRecall = Share(_inPrompt, _needed),
                AllPresentRate = Share(_allInPrompt, _withNeeded),
                BaselineRecall = Share(_inBaseline, _needed),
                BaselineAllPresentRate = Share(_allInBaseline, _withNeeded),
                UnseenRecall = Share(_unseenInPrompt, _unseen),
                Statements = _statements,
                StatementsWithNeededNames = _withNeeded,
                NeededNames = _needed,
                UnseenNames = _unseen,
                GateDeclined = _declined,
                ContextMsP50 = Math.Round(_contextTimes.Ms(50), 2),
                ContextMsP95 = Math.Round(_contextTimes.Ms(95), 2),
                ContextCpuMsP50 = Math.Round(_contextCpu.Ms(50), 2),
                ContextTokensAvg = answered == 0 ? 0 : Math.Round((double)_contextTokens / answered, 1),
                BudgetTokens = options.Budget,
                CharsPerToken = options.CharsPerToken,
                PromptCharsAvg = answered == 0 ? 0 : Math.Round((double)_promptChars / answered, 1),
                Seed = options.Seed,
                Projects = [.. projects.Select(p => p.Name)],
                CorpusCompileErrors = projects.Sum(p => p.Errors.Count),
                ByKind = _byKind.OrderBy(k => k.Key).ToDictionary(k => ToSnakeCase(k.Key.ToString()), k => new KindRecall(k.Value.Needed, k.Value.InPrompt, k.Value.InBaseline)),
                Misses = _misses,
            };
        }

        private static double Share(int part, int whole) => whole == 0 ? 0 : Math.Round((double)part / whole, 4);

        private static string ToSnakeCase(string name) =>
            string.Concat(name.Select((c, i) => char.IsUpper(c) ? (i > 0 ? "_" : string.Empty) + char.ToLowerInvariant(c) : c.ToString()));
    }
}
