using LspCopilot.Engine.Chat;

namespace LspCopilot.Engine.Tests;

/// <summary>
/// When a follow-up's few rows are rounded up to a whole chunk (<see cref="RowCosts"/>), with costs shaped like the ones
/// measured on two models at 2 threads: stories260K (attention-heavy: one row 0.2 ms + 0.92 µs per position of depth,
/// a 64-row chunk 1.2 ms + 4.1 µs per position) and a synthetic 90M-parameter model (matrix-heavy: 8 ms + 2.7 µs,
/// 76 ms + 36 µs).
/// </summary>
public sealed class RowCostsTests
{
    private static RowCosts Learnt(double tokenBase, double tokenPerDepth, double chunkBase, double chunkPerDepth, int replyFrom = 1000, int replyTokens = 350)
    {
        var costs = new RowCosts();
        for (var depth = 0; depth < replyFrom; depth += 64)
        {
            costs.Chunk(depth, chunkBase + (chunkPerDepth * depth));
        }

        for (var i = 0; i < replyTokens; i++)
        {
            // A little noise, alternating, as token times have.
            costs.Token(replyFrom + i, tokenBase + (tokenPerDepth * (replyFrom + i)) + (i % 2 == 0 ? 0.05 : -0.05));
        }

        return costs;
    }

    private static RowCosts Stories() => Learnt(0.2, 0.00092, 1.2, 0.0041);

    private static RowCosts Wide() => Learnt(8, 0.0027, 76, 0.036);

    [Fact]
    public void ChunkIsCheaper_AttentionHeavyModelDeep_RoundsUpAQuestionOfSixteenRowsButNotOfFour()
    {
        var costs = Stories();

        // 16 rows × ~1.3 ms of attention each against a ~7 ms chunk; 4 rows (~5 ms) are not surely dearer.
        Assert.True(costs.ChunkIsCheaper(16, 1400));
        Assert.False(costs.ChunkIsCheaper(4, 1400));
    }

    [Fact]
    public void ChunkIsCheaper_AttentionHeavyModelShallow_KeepsTheRows()
    {
        Assert.False(Stories().ChunkIsCheaper(16, 200));
    }

    [Theory]
    [InlineData(8)]
    [InlineData(32)]
    [InlineData(47)]
    public void ChunkIsCheaper_MatrixHeavyModel_KeepsTheRows(int rows)
    {
        // 32 rows decode in 159 ms against 124 for 64 there, but their attention alone (~121 ms) does not prove it.
        Assert.False(Wide().ChunkIsCheaper(rows, 1400));
    }

    [Fact]
    public void ChunkIsCheaper_TooLittleMeasured_NeverRoundsUp()
    {
        Assert.False(Learnt(0.2, 0.00092, 1.2, 0.0041, replyTokens: RowCosts.MinTokens - 1).ChunkIsCheaper(32, 1400));
        Assert.False(new RowCosts().ChunkIsCheaper(32, 1400));

        // Tokens all at nearly one depth tell nothing of how attention grows.
        Assert.False(Learnt(0.2, 0.00092, 1.2, 0.0041, replyTokens: RowCosts.MinSpan - 1).ChunkIsCheaper(32, 1400));
    }

    [Fact]
    public void ChunkIsCheaper_SpikesAmongTheTokens_DoNotTipIt()
    {
        var costs = Learnt(0.2, 0.00092, 1.2, 0.0041);
        var spiked = Learnt(0.2, 0.00092, 1.2, 0.0041);
        for (var i = 0; i < 20; i++)
        {
            // A core taken away now and then, late in the reply.
            spiked.Token(1300 + i, 40);
        }

        Assert.Equal(costs.ChunkIsCheaper(6, 1400), spiked.ChunkIsCheaper(6, 1400));
        Assert.Equal(costs.ChunkIsCheaper(16, 1400), spiked.ChunkIsCheaper(16, 1400));
    }

    [Fact]
    public void AlignedStart_ShortFollowUpWhereAChunkIsCheaper_StartsAWholeChunkBeforeTheEnd()
    {
        var costs = Stories();

        Assert.Equal(1416 - 64, ChatRunner.AlignedStart(1400, 1416, 64, costs));
        Assert.Equal(1400, ChatRunner.AlignedStart(1400, 1416, 64));
        Assert.Equal(1400, ChatRunner.AlignedStart(1400, 1416, 64, Wide()));
        // More than a chunk to decode: the remainder rides with the first chunk already (no row decoded twice for it).
        Assert.Equal(1400, ChatRunner.AlignedStart(1400, 1480, 64, costs));
        // Too few reused tokens to start a chunk earlier.
        Assert.Equal(40, ChatRunner.AlignedStart(40, 56, 64, costs));
    }
}
