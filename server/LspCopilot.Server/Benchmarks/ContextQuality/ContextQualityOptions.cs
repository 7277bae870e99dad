namespace LspCopilot.Server.Benchmarks.ContextQuality;

/// <summary>What the context-quality suite measures; the defaults are the figures the project reports.</summary>
public sealed record ContextQualityOptions
{
    /// <summary>The seed of the statement sample; changing it changes which statements are measured.</summary>
    public const int DefaultSeed = 15;

    /// <summary>The corpus folder; null: tests/fixtures/ContextQuality above the current or the program's folder.</summary>
    public string? Corpus { get; init; }

    public int Seed { get; init; } = DefaultSeed;

    /// <summary>
    /// Statements masked, drawn from all the corpus's member bodies: enough that well over 120 of them need
    /// a name from another file (most statements need none), like the measure in issue 15.
    /// </summary>
    public int Statements { get; init; } = 300;

    /// <summary>Token budget of the context sections (<c>context --budget</c>).</summary>
    public int Budget { get; init; } = 1024;

    /// <summary>Characters per token of the counter the context is budgeted with (a real code model's size).</summary>
    public double CharsPerToken { get; init; } = CodeTokenEstimate.DefaultCharsPerToken;

    /// <summary>Corpus projects to include by folder name; null: all.</summary>
    public IReadOnlySet<string>? Projects { get; init; }

    /// <summary>Untimed context builds per project (at statements outside the sample) before the timed ones.</summary>
    public int WarmUp { get; init; } = 3;
}
