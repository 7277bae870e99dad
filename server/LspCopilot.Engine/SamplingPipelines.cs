using LLama.Sampling;
using LspCopilot.Completion;

namespace LspCopilot.Engine;

/// <summary>How a request's tokens are chosen: greedy (deterministic) at temperature 0, else sampled with its seed.</summary>
internal static class SamplingPipelines
{
    public static BaseSamplingPipeline For(GenerationOptions generation) =>
        generation.Temperature <= 0
            ? new GreedySamplingPipeline()
            : new DefaultSamplingPipeline { Temperature = generation.Temperature, Seed = generation.Seed };
}
