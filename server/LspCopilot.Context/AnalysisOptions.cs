using LspCopilot.Completion;

namespace LspCopilot.Context;

/// <summary>
/// How context sections are written into the prompt: C# line comments (any code model reads them as notes above the
/// file), or, for a model with repository-level tokens, other files of the repository (<see cref="FileSeparator"/> +
/// a title as the path, then the lines as code) — chosen from the model's vocabulary (<see cref="For"/>).
/// </summary>
public sealed record ContextStyle(RepoLayout? Repo)
{
    public static ContextStyle Comments { get; } = new((RepoLayout?)null);

    /// <summary>Qwen2.5-Coder's repo-level files: <c>&lt;|file_sep|&gt;path</c> followed by code (the token id is not needed to render).</summary>
    public static ContextStyle FileSeparators { get; } = new(new RepoLayout("<|file_sep|>", -1, "<|repo_name|>", -1));

    /// <summary>The style for a model's FIM layout: files when it has repository-level tokens, else comments.</summary>
    public static ContextStyle For(FimLayout fim) => fim.Repo is { } repo ? new ContextStyle(repo) : Comments;

    public bool WritesFiles => Repo is not null;

    /// <summary>The text that opens a file in this style; null for comments.</summary>
    public string? FileSeparator => Repo?.FileSeparator;
}

/// <summary>
/// Token budgets of the context. A completion's context fills <see cref="Total"/> by expected use across all its
/// sections (<see cref="BudgetFill"/>); the per-section caps shape a code action's context (<see cref="CSharpContextBuilder.RenderAsync"/>).
/// </summary>
public sealed record ContextBudget
{
    /// <summary>Most tokens for all sections together (the prefix/suffix windows are budgeted by the engine).</summary>
    public int Total { get; init; } = 1024;

    /// <summary>Member signatures of the type around the cursor.</summary>
    public int Outline { get; init; } = 320;

    /// <summary>Members of the receiver's type after <c>expr.</c>.</summary>
    public int Receiver { get; init; } = 384;

    /// <summary>Signatures of the methods and types used near the cursor.</summary>
    public int References { get; init; } = 384;

    /// <summary>Expected type and locals in scope.</summary>
    public int Scope { get; init; } = 128;

    /// <summary>Chunks of recently edited and opened code similar to the cursor's lines (<see cref="RecentContext"/>), from what the other sections leave.</summary>
    public int Recent { get; init; } = 256;

    /// <summary>The same split scaled to a different total (the <c>--budget</c> option).</summary>
    public ContextBudget ScaledTo(int total)
    {
        if (total <= 0)
        {
            return new ContextBudget { Total = 0, Outline = 0, Receiver = 0, References = 0, Scope = 0, Recent = 0 };
        }

        var factor = (double)total / Total;
        return new ContextBudget
        {
            Total = total,
            Outline = Scale(Outline),
            Receiver = Scale(Receiver),
            References = Scale(References),
            Scope = Scale(Scope),
            Recent = Scale(Recent),
        };

        int Scale(int value) => Math.Max(0, (int)Math.Round(value * factor));
    }
}

/// <summary>Options of the Roslyn analysis: the workspace bounds, the context budget, the candidates.</summary>
public sealed record AnalysisOptions
{
    public ContextBudget Budget { get; init; } = new();

    public ContextStyle Style { get; init; } = ContextStyle.Comments;

    /// <summary>
    /// The prompt's prefix and suffix windows as the context assumes them (the generation options' defaults):
    /// what they show is not repeated in the context.
    /// </summary>
    public ContextWindow Window { get; init; } = new();

    /// <summary>Most <c>.cs</c> files loaded per workspace folder; the rest are skipped with a log line.</summary>
    public int MaxFiles { get; init; } = 5000;

    /// <summary>Source files larger than this are skipped (generated code, data).</summary>
    public long MaxFileBytes { get; init; } = 2 * 1024 * 1024;

    /// <summary>Most files and folders the scan of one workspace folder looks at; a bigger tree is loaded in part, with a log line.</summary>
    public int MaxScanEntries { get; init; } = 200_000;

    /// <summary>Longest the scan of one workspace folder may run; what it found by then is loaded, with a log line.</summary>
    public TimeSpan MaxScanTime { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// The user's home folder: as a workspace folder it is refused like a filesystem root (only open
    /// documents are analysed), since loading it means walking everything the user owns. Null: no home check.
    /// </summary>
    public string? HomeFolder { get; init; } = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile) is { Length: > 0 } home ? home : null;

    /// <summary>Symbols declared in the current file closer than this many characters to the cursor are left to the prefix/suffix windows.</summary>
    public int NearbyChars { get; init; } = 3000;

    /// <summary>Most overloads shown for one method name.</summary>
    public int MaxOverloads { get; init; } = 3;

    /// <summary>Longest XML doc summary shown, in characters.</summary>
    public int MaxSummaryChars { get; init; } = 100;

    /// <summary>
    /// Characters of counted text whose token counts are remembered, per generation of the cache (two are
    /// kept; see <see cref="TokenCountCache"/>).
    /// </summary>
    public int TokenCountCacheChars { get; init; } = TokenCountCache.DefaultMaxChars;

    /// <summary>
    /// How long after a workspace folder starts loading a request may still wait for it (so a small folder
    /// gives the first request its full context); after that, requests use the document alone until the
    /// folder is ready, without waiting.
    /// </summary>
    public TimeSpan LoadWait { get; init; } = TimeSpan.FromMilliseconds(50);
}
