namespace LspCopilot.Engine.Chat;

/// <summary>
/// What a whole prompt chunk and one more query row cost at a depth of the KV cache, learnt from the decodes a chat runs
/// anyway (its prompt's chunks, its reply's tokens), so that a follow-up whose question is not a whole chunk can be
/// rounded up to one where that is surely cheaper. llama.cpp's CPU flash attention runs a batch under 64 rows with a
/// per-row kernel whose cost grows with rows × depth, and 64 rows with a tiled one that costs little more than its
/// matrix work: at 1,400 tokens of depth, stories260K decodes 16 rows in 21 ms and 64 in 7 ms, while a model with
/// 90M parameters decodes 16 rows in 81 ms and 64 in 124 ms. How much of a row's time is attention depends on the
/// model and the machine, hence measured, not assumed.
/// <para>
/// A row's cost is bounded from below by its attention alone: the growth of a reply token's time with depth (the slope
/// between the medians of the shallower and the deeper half of the recent tokens), times the depth. The chunk's cost is
/// the line through the medians of the shallower and the deeper half of the recent whole chunks, at that depth. Rounding
/// up is chosen only when the rows' attention alone exceeds the chunk by <see cref="Margin"/>: never on a guess.
/// </para>
/// </summary>
internal sealed class RowCosts
{
    /// <summary>How much more the rows' attention alone must cost than a whole chunk.</summary>
    public const double Margin = 1.5;

    /// <summary>Fewest reply tokens before their slope counts.</summary>
    public const int MinTokens = 64;

    /// <summary>Fewest whole chunks before their line counts.</summary>
    public const int MinChunks = 4;

    /// <summary>Fewest positions the tokens, or the chunks, must span before their line counts.</summary>
    public const int MinSpan = 128;

    private const int KeptTokens = 512;
    private const int KeptChunks = 64;

    private readonly Queue<(int Depth, double Ms)> _tokens = new();
    private readonly Queue<(int Depth, double Ms)> _chunks = new();

    /// <summary>A reply token decoded alone after <paramref name="depth"/> tokens in <paramref name="ms"/>.</summary>
    public void Token(int depth, double ms) => Keep(_tokens, depth, ms, KeptTokens);

    /// <summary>A whole chunk decoded after <paramref name="depth"/> tokens in <paramref name="ms"/>.</summary>
    public void Chunk(int depth, double ms) => Keep(_chunks, depth, ms, KeptChunks);

    /// <summary>Measurements kept (for tests and tools).</summary>
    public (int Tokens, int Chunks) Count => (_tokens.Count, _chunks.Count);

    /// <summary>
    /// True when decoding <paramref name="rows"/> rows after <paramref name="depth"/> tokens surely costs more than a
    /// whole chunk there; false when it does not, or when too little has been measured to tell.
    /// </summary>
    public bool ChunkIsCheaper(int rows, int depth) =>
        rows > 0 && Estimate(depth) is { } estimate && rows * estimate.AttentionPerRowMs > Margin * estimate.WholeChunkMs;

    /// <summary>
    /// At <paramref name="depth"/>: one row's attention in milliseconds (a lower bound of what a row costs) and a
    /// whole chunk's time; null until enough has been measured, or when attention seems not to grow with depth.
    /// </summary>
    public (double AttentionPerRowMs, double WholeChunkMs)? Estimate(int depth)
    {
        if (Line(_tokens, MinTokens) is not { Slope: > 0 } token || Line(_chunks, MinChunks) is not { } chunk || chunk.At(depth) <= 0)
        {
            return null;
        }

        return (token.Slope * depth, chunk.At(depth));
    }

    private static void Keep(Queue<(int, double)> samples, int depth, double ms, int kept)
    {
        if (depth < 0 || !double.IsFinite(ms) || ms < 0)
        {
            return;
        }

        samples.Enqueue((depth, ms));
        while (samples.Count > kept)
        {
            samples.Dequeue();
        }
    }

    /// <summary>The line through the medians of the shallower and the deeper half of <paramref name="samples"/>; null when they are too few or too close.</summary>
    private static Fit? Line(Queue<(int Depth, double Ms)> samples, int fewest)
    {
        if (samples.Count < fewest)
        {
            return null;
        }

        var sorted = samples.OrderBy(s => s.Depth).ToArray();
        var half = sorted.Length / 2;
        var (low, high) = (sorted[..half], sorted[(sorted.Length - half)..]);
        var (lowDepth, highDepth) = (Median(low.Select(s => (double)s.Depth)), Median(high.Select(s => (double)s.Depth)));
        if (highDepth - lowDepth < MinSpan / 2.0 || sorted[^1].Depth - sorted[0].Depth < MinSpan)
        {
            return null;
        }

        var (lowMs, highMs) = (Median(low.Select(s => s.Ms)), Median(high.Select(s => s.Ms)));
        var slope = (highMs - lowMs) / (highDepth - lowDepth);
        // A cost that seems to fall with depth is noise: flat at the higher of the two.
        return slope > 0 ? new Fit(slope, lowMs - (slope * lowDepth)) : new Fit(0, Math.Max(lowMs, highMs));
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private readonly record struct Fit(double Slope, double Intercept)
    {
        public double At(int depth) => Intercept + (Slope * depth);
    }
}
