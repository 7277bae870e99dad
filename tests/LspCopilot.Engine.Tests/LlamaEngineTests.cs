using LspCopilot.Completion;
using LspCopilot.Engine.Models;
using LspCopilot.Server.Protocol;
using LspCopilot.TestSupport;

namespace LspCopilot.Engine.Tests;

/// <summary>The real LLamaSharp engine on the shared tiny models.</summary>
public sealed class LlamaEngineTests
{
    private static readonly string s_story = string.Join('\n', Enumerable.Range(0, 40).Select(i =>
        $"Once upon a time, there was a little dog named Max number {i}. He liked to run in the park and play with his ball."));

    private static readonly string s_shortStory = string.Join('\n', s_story.Split('\n').Take(12));

    private static LlamaEngine Load(string model, int reuseMinChunk = 0, int prefillChunk = 64) =>
        LlamaEngine.Load(new EngineOptions { ModelPath = TestModels.Require(model), CacheReuseMinChunk = reuseMinChunk, PrefillChunk = prefillChunk }, ServerLog.Silent);

    private static CompletionRequest Request(string prefix, string suffix = "", int maxTokens = 24) =>
        new(prefix, suffix, CompletionMode.MultiLine) { Generation = new GenerationOptions { MaxTokens = maxTokens } };

    [Fact]
    public async Task PrefixReuse_AfterAppendingText_SameOutputAsColdDecode()
    {
        using var engine = Load(TestModels.Stories);
        await engine.CompleteAsync(Request(s_story), null, CancellationToken.None);

        var warm = await engine.CompleteAsync(Request(s_story + " The"), null, CancellationToken.None);
        await engine.ResetCacheAsync();
        var cold = await engine.CompleteAsync(Request(s_story + " The"), null, CancellationToken.None);

        Assert.Equal(cold.Text, warm.Text);
        Assert.True(warm.Stats.ReusedTokens > cold.Stats.PromptTokens - 8, $"reused {warm.Stats.ReusedTokens} of {warm.Stats.PromptTokens}");
        Assert.Equal(0, cold.Stats.ReusedTokens);
    }

    [Fact]
    public async Task PrefixReuse_FimPromptAfterEditAtCursor_SameOutputAsColdDecode()
    {
        using var engine = Load(TestModels.Fim);
        var suffix = "\nThe end of the story.\n";
        await engine.CompleteAsync(Request(s_story, suffix), null, CancellationToken.None);

        var warm = await engine.CompleteAsync(Request(s_story + " Max", suffix), null, CancellationToken.None);
        var warmTokens = engine.CachedTokens.Take(warm.Stats.PromptTokens).ToList();
        await engine.ResetCacheAsync();
        var cold = await engine.CompleteAsync(Request(s_story + " Max", suffix), null, CancellationToken.None);
        var coldTokens = engine.CachedTokens.Take(cold.Stats.PromptTokens).ToList();

        Assert.Equal(cold.Text, warm.Text);
        Assert.Equal(coldTokens, warmTokens);
    }

    [Fact]
    public async Task ChunkReuse_EditInsideThePrefix_ShiftsTheRestInsteadOfDecodingIt()
    {
        using var engine = Load(TestModels.Fim, reuseMinChunk: 32);
        var head = "Lily had a red ball.\n";
        var edited = "Lily had a big red ball.\n";
        await engine.CompleteAsync(Request(head + s_shortStory, "\nThe end.\n"), null, CancellationToken.None);

        var result = await engine.CompleteAsync(Request(edited + s_shortStory, "\nThe end.\n"), null, CancellationToken.None);

        Assert.True(result.Stats.Shifted > result.Stats.PromptTokens / 2, $"shifted {result.Stats.Shifted} of {result.Stats.PromptTokens}");
        Assert.True(result.Stats.Decoded < 32, $"decoded {result.Stats.Decoded}");
        Assert.False(string.IsNullOrEmpty(result.Text));
    }

    [Fact]
    public async Task ChunkReuse_TypingInTheMiddleOfAFile_ReusesTheFimSuffix()
    {
        using var engine = Load(TestModels.Fim, reuseMinChunk: 32);
        var suffix = "\n" + s_shortStory;
        await engine.CompleteAsync(Request(s_shortStory + "\nThe dog", suffix), null, CancellationToken.None);

        var typed = await engine.CompleteAsync(Request(s_shortStory + "\nThe dog r", suffix), null, CancellationToken.None);

        Assert.True(typed.Stats.Shifted >= 100, $"shifted {typed.Stats.Shifted} of {typed.Stats.PromptTokens}");
        Assert.True(typed.Stats.Decoded <= 4, $"decoded {typed.Stats.Decoded}");
    }

    [Fact]
    public async Task ChunkReuse_Off_EditInsideThePrefix_DecodesTheRest()
    {
        using var engine = Load(TestModels.Fim, reuseMinChunk: 0);
        await engine.CompleteAsync(Request("Lily had a red ball.\n" + s_shortStory), null, CancellationToken.None);

        var result = await engine.CompleteAsync(Request("Lily had a big red ball.\n" + s_shortStory), null, CancellationToken.None);

        Assert.Equal(0, result.Stats.Shifted);
        Assert.True(result.Stats.Decoded > result.Stats.PromptTokens / 2);
    }

    [Fact]
    public async Task Cancellation_BetweenPrefillChunks_StopsAndLeavesACacheThatStillMatchesColdOutput()
    {
        using var engine = Load(TestModels.Stories, prefillChunk: 16);
        using var cts = new CancellationTokenSource();
        var chunks = 0;
        engine.PrefillChunkStarting += () =>
        {
            if (++chunks == 3)
            {
                cts.Cancel();
            }
        };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => engine.CompleteAsync(Request(s_story), null, cts.Token));
        var afterCancel = chunks;
        var resumed = await engine.CompleteAsync(Request(s_story), null, CancellationToken.None);
        await engine.ResetCacheAsync();
        var cold = await engine.CompleteAsync(Request(s_story), null, CancellationToken.None);

        Assert.Equal(3, afterCancel);
        Assert.Equal(cold.Text, resumed.Text);
        Assert.True(resumed.Stats.ReusedTokens >= 32, $"reused {resumed.Stats.ReusedTokens}");
    }

    [Fact]
    public async Task ColdPrompt_WithAnOddRemainder_DecodesItWithTheFirstChunk_NoBatchUnderAChunk()
    {
        const int chunk = 16;
        using var engine = Load(TestModels.Stories, prefillChunk: chunk);
        var chunks = 0;
        engine.PrefillChunkStarting += () => chunks++;

        var result = await engine.CompleteAsync(Request(s_story), null, CancellationToken.None);

        Assert.NotEqual(0, result.Stats.Decoded % chunk);
        Assert.Equal(result.Stats.Decoded / chunk, chunks);
    }

    [Theory]
    [InlineData(1, 64, 1)] // a typed character: one row, nothing to ride with
    [InlineData(40, 64, 40)] // under a chunk: all of it
    [InlineData(64, 64, 64)]
    [InlineData(100, 64, 100)] // a chunk and 36: one batch of 100, not 64 and then 36 alone
    [InlineData(128, 64, 64)]
    [InlineData(999, 64, 103)] // 15 chunks and 39: the first batch takes the 39
    [InlineData(896, 64, 64)] // after that first batch: whole chunks
    [InlineData(850, 300, 300)] // a chunk and 250 would pass the batch of 512: whole chunks, the 250 alone at the end
    [InlineData(700, 300, 400)] // a chunk and 100 fit the batch
    [InlineData(100, 300, 100)]
    [InlineData(2000, 1000, 512)] // --prefill-chunk above the batch: batches of the batch size
    public void ChunkRows_TheOddRemainderRidesWithAWholeChunk_NeverPastTheBatch(int left, int step, int expected) =>
        Assert.Equal(expected, KvCache.ChunkRows(left, step, batch: 512));

    [Fact]
    public async Task PrefillChunkLargerThanTheBatch_DecodesInBatchesTheContextTakes()
    {
        using var engine = Load(TestModels.Stories, prefillChunk: 1000);

        var result = await engine.CompleteAsync(Request(s_story), null, CancellationToken.None);

        Assert.True(result.Stats.Decoded > 512, $"decoded {result.Stats.Decoded}");
        Assert.True(result.Stats.GeneratedTokens > 0);
    }

    [Fact]
    public async Task Cancellation_DuringGeneration_StopsWithinATokenOrTwo()
    {
        using var engine = Load(TestModels.Stories);
        using var cts = new CancellationTokenSource();
        var callbacks = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => engine.CompleteAsync(Request(s_story, maxTokens: 500), _ =>
        {
            if (++callbacks == 5)
            {
                cts.Cancel();
            }
        }, cts.Token));

        Assert.Equal(5, callbacks);
    }

    [Fact]
    public void Prompt_FimModel_IsPrefixSuffixMiddleWithTheGgufTokenIds()
    {
        using var engine = Load(TestModels.Fim);

        var prompt = engine.BuildPrompt(Request("int x = ", ";\n")).Select(t => (int)t).ToList();

        Assert.Equal((3, 4, 5), (engine.Fim.PrefixToken, engine.Fim.SuffixToken, engine.Fim.MiddleToken));
        var pre = prompt.IndexOf(3);
        var suf = prompt.IndexOf(4);
        var mid = prompt.IndexOf(5);
        Assert.True(pre >= 0 && pre < suf && suf < mid && mid == prompt.Count - 1, string.Join(",", prompt));
    }

    [Fact]
    public void Prompt_ModelWithoutFim_IsThePrefixOnly()
    {
        using var engine = Load(TestModels.Stories);

        var prompt = engine.BuildPrompt(Request("Once upon a time", " and they lived happily."));

        Assert.False(engine.Fim.HasFim);
        Assert.Equal(engine.Tokenize("Once upon a time").Length + 1, prompt.Count);
    }

    [Fact]
    public void Prompt_LongPrefix_IsBoundedByTheTokenBudget()
    {
        using var engine = Load(TestModels.Stories);
        var request = Request(string.Concat(Enumerable.Repeat(s_story + "\n", 8)), maxTokens: 16) with
        {
            Generation = new GenerationOptions { MaxTokens = 16, PrefixTokens = 300 },
        };

        var prompt = engine.BuildPrompt(request);

        Assert.InRange(prompt.Count, 100, 301);
    }

    [Fact]
    public void Prompt_TypingOnTheLastLine_KeepsTheWindowStart()
    {
        using var engine = Load(TestModels.Stories);
        var longText = string.Concat(Enumerable.Repeat(s_story + "\n", 6));
        var generation = new GenerationOptions { PrefixTokens = 600 };

        var before = engine.BuildPrompt(Request(longText) with { Generation = generation });
        var after = engine.BuildPrompt(Request(longText + "Th") with { Generation = generation });

        var common = before.Zip(after).TakeWhile(p => p.First == p.Second).Count();
        Assert.True(common >= before.Count - 2, $"common {common} of {before.Count}");
    }

    [Fact]
    public async Task QuantizedModel_CodeWithCharactersItsVocabularyLacks_CompletesWithoutAborting()
    {
        using var engine = Load(TestModels.Quantized);

        var result = await engine.CompleteAsync(Request("public static void Main() { var x = items[0] + 1; #region é 😀\n"), null, CancellationToken.None);

        Assert.True(engine.CountTokens("{ [ ] } # 1 2 3 é 😀") > 0);
        Assert.True(result.Stats.GeneratedTokens > 0);
    }

    [Fact]
    public async Task QuantizedModel_StopsAtItsOwnEndOfGeneration()
    {
        using var engine = Load(TestModels.Quantized);

        var result = await engine.CompleteAsync(Request("Once upon a time, there was a little girl named Lily.", maxTokens: 2000), null, CancellationToken.None);

        Assert.Equal(StopReason.EndOfGeneration, result.Reason);
    }
}
