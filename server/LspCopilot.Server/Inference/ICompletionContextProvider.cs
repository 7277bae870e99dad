using LspCopilot.Server.Documents;

namespace LspCopilot.Server.Inference;

/// <summary>What to ask the model at a cursor: the mode, extra context, and when to stop.</summary>
public sealed record CompletionPlan(CompletionMode Mode)
{
    /// <summary>Rendered context placed before the prefix window (null: the surrounding text only).</summary>
    public string? Context { get; init; }

    public ICompletionStopper? Stopper { get; init; }
}

/// <summary>Decides whether and how to complete at a cursor (the gate) and gathers context for the prompt.</summary>
public interface ICompletionContextProvider
{
    /// <summary>Returns null when no completion should be offered here.</summary>
    ValueTask<CompletionPlan?> PlanAsync(DocumentSnapshot document, int offset, CancellationToken cancellationToken);
}
