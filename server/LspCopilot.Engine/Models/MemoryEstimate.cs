namespace LspCopilot.Engine.Models;

/// <summary>Memory a model needs at one context size: weights plus KV cache (compute buffers are extra, see <see cref="FitPlanner"/>).</summary>
public sealed record MemoryEstimate(uint ContextSize, string KvCacheType, long WeightBytes, long KvCacheBytes)
{
    public long TotalBytes => WeightBytes + KvCacheBytes;

    public static MemoryEstimate For(ModelFacts model, uint contextSize, string kvCacheType) =>
        new(contextSize, kvCacheType, model.WeightBytes, KvBytes(model.KvElementsPerLayer, contextSize, kvCacheType));

    /// <summary>KV cache bytes for the given layers: tokens × Σ(K+V values per layer) × bytes per value.</summary>
    public static long KvBytes(IEnumerable<long> kvElementsPerLayer, uint contextSize, string kvCacheType)
    {
        var perToken = kvElementsPerLayer.Sum();
        return (long)Math.Ceiling(perToken * (double)contextSize * KvCacheTypes.BytesPerElement(kvCacheType));
    }

    /// <summary>
    /// Context sizes worth showing for a model: the usual powers of two up to its training context,
    /// the training context itself (when it is small) and whatever the user asked for.
    /// </summary>
    public static IReadOnlyList<uint> InterestingContextSizes(ModelFacts model, uint? requested)
    {
        var trained = model.ContextLength is long n and > 0 ? (uint)Math.Min(n, uint.MaxValue) : 32_768u;
        var sizes = new SortedSet<uint>();
        foreach (var size in new uint[] { 2048, 4096, 8192, 16_384, 32_768 })
        {
            if (size <= trained)
            {
                sizes.Add(size);
            }
        }

        if (trained < 2048 || sizes.Count == 0)
        {
            sizes.Add(trained);
        }

        if (requested is uint r and > 0)
        {
            sizes.Add(r);
        }

        return [.. sizes];
    }
}
