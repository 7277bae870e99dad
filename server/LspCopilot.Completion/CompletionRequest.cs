namespace LspCopilot.Completion;

/// <summary>One fill-in-the-middle completion asked of the engine.</summary>
public sealed record CompletionRequest(string Prefix, string Suffix, CompletionMode Mode)
{
    /// <summary>Extra context (e.g. from Roslyn) placed before the prefix window, already rendered for the model.</summary>
    public string? Context { get; init; }

    public GenerationOptions Generation { get; init; } = new();

    public ICompletionStopper? Stopper { get; init; }

    /// <summary>Who asked (one LSP session); the scheduler takes turns between clients.</summary>
    public string? ClientId { get; init; }

    /// <summary>Where the engine marks its stages when the request is traced (<c>bench --suite keystroke</c>); null otherwise.</summary>
    public LatencyTrace? Trace { get; init; }
}
