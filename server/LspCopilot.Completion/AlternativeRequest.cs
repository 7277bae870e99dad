namespace LspCopilot.Completion;

/// <summary>
/// Asks the pipeline for <paramref name="Count"/> other suggestions after the first (for an editor to cycle).
/// <paramref name="FirstReady"/> runs with the first before any alternative is sampled (to send it on at once);
/// <paramref name="Sampled"/> receives every suggestion so far (the first, then the alternatives) each time one is found.
/// </summary>
public sealed record AlternativeRequest(int Count, Func<Suggestion, Task>? FirstReady = null, Action<IReadOnlyList<string>>? Sampled = null);
