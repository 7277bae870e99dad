namespace LspCopilot.Engine.Batching;

/// <summary>What one decode of a batch held: per client, prompt tokens prefilled and generated tokens decoded (for tests and stats).</summary>
internal sealed record BatchStep(IReadOnlyDictionary<string, int> Prefilled, IReadOnlyCollection<string> Generating);
