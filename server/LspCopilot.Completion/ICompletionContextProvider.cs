namespace LspCopilot.Completion;

/// <summary>Decides whether and how to complete at a cursor (the gate) and gathers context for the prompt.</summary>
public interface ICompletionContextProvider
{
    /// <summary>Returns null when no completion should be offered here.</summary>
    ValueTask<CompletionPlan?> PlanAsync(DocumentSnapshot document, int offset, CancellationToken cancellationToken);
}
