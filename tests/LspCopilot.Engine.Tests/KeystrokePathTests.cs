using LLama.Native;
using LspCopilot.Completion;
using LspCopilot.TestSupport;

namespace LspCopilot.Engine.Tests;

/// <summary>The fast path of a typed character (one shift of the reused suffix, a waiting engine thread) changes nothing that is suggested.</summary>
public sealed class KeystrokePathTests
{
    private static readonly string s_story = string.Join('\n', Enumerable.Range(0, 12).Select(i =>
        $"Once upon a time, there was a little dog named Max number {i}. He liked to run in the park and play with his ball."));

    private static readonly string s_suffix = "\n" + string.Join('\n', Enumerable.Range(0, 6).Select(i => $"Lily saw the dog {i} and smiled at him."));

    private static LlamaEngine Load() =>
        LlamaEngine.Load(new EngineOptions { ModelPath = TestModels.Require(TestModels.Fim), CacheReuseMinChunk = 32, ResultCacheSize = 0 }, ServerLog.Silent);

    private static CompletionRequest Request(string prefix) =>
        new(prefix, s_suffix, CompletionMode.MultiLine) { Generation = new GenerationOptions { MaxTokens = 24 } };

    [Fact]
    public async Task TypingACorpusOfEdits_OneShiftPath_SuggestsExactlyWhatTheParkedPathDoes()
    {
        using var fast = Load();
        using var parked = Load();
        parked.ParkReusedChunksAlways = true;

        // Characters typed at the cursor, then two backspaces, then an edit near the start of the file.
        var prefixes = new List<string>();
        var typed = s_story + "\nThe dog";
        prefixes.Add(typed);
        foreach (var c in " ran home and ate")
        {
            typed += c;
            prefixes.Add(typed);
        }

        prefixes.Add(typed[..^1]);
        prefixes.Add(typed[..^2]);
        prefixes.Add("Lily had a big red ball.\n" + typed[..^2]);

        var shiftedOnce = 0;
        var differ = new List<string>();
        foreach (var prefix in prefixes)
        {
            var a = await fast.CompleteAsync(Request(prefix), null, TestContext.Current.CancellationToken);
            var b = await parked.CompleteAsync(Request(prefix), null, TestContext.Current.CancellationToken);

            if (a.Text != b.Text)
            {
                differ.Add($"after \"…{prefix[^12..]}\": {a.Text} / parked: {b.Text}");
            }

            Assert.Equal(b.Stats.Shifted, a.Stats.Shifted);
            Assert.Equal(b.Stats.Decoded, a.Stats.Decoded);
            shiftedOnce += a.Stats.Shifted > 0 ? 1 : 0;
        }

        // The two paths rotate the moved keys once or twice (RoPE), so their cells differ in the last bits and a
        // near tie between two tokens may now and then go the other way; a suffix at the wrong positions would
        // change nearly every suggestion.
        Assert.True(differ.Count <= 2, $"{differ.Count} of {prefixes.Count} suggestions differ:\n{string.Join('\n', differ)}");

        // The corpus exercises the path: most edits moved the suffix instead of decoding it.
        Assert.True(shiftedOnce >= prefixes.Count - 2, $"{shiftedOnce} of {prefixes.Count} edits shifted the suffix");
    }

    [Fact]
    public async Task TypedCharacter_DecodesOnlyWhatChangedAndTheLastToken()
    {
        using var engine = Load();
        var trace = new LatencyTrace();
        await engine.CompleteAsync(Request(s_story + "\nThe dog"), null, TestContext.Current.CancellationToken);

        var result = await engine.CompleteAsync(Request(s_story + "\nThe dog r") with { Trace = trace }, null, TestContext.Current.CancellationToken);

        Assert.Equal(result.Stats.Decoded, trace.CountValues[LatencyTrace.Counts.Reprefill]);
        Assert.Equal(trace.CountValues[LatencyTrace.Counts.MinimumChanged], result.Stats.Decoded);
        Assert.Equal(result.Stats.PromptTokens, trace.CountValues[LatencyTrace.Counts.Prompt]);
        foreach (var stage in new[] { LatencyTrace.Stages.EngineThread, LatencyTrace.Stages.PromptBuilt, LatencyTrace.Stages.ReusePlanned, LatencyTrace.Stages.Prefilled, LatencyTrace.Stages.FirstToken })
        {
            Assert.True(trace.Marks.ContainsKey(stage), stage);
        }

        Assert.True(trace.Between(LatencyTrace.Stages.EngineThread, LatencyTrace.Stages.FirstToken) >= 0);
    }

    [Fact]
    public async Task SuffixFirstOrder_TypingAtTheEndOfThePrefix_OnlyAppends()
    {
        using var engine = LlamaEngine.Load(new EngineOptions { ModelPath = TestModels.Require(TestModels.Fim), CacheReuseMinChunk = 32, FimOrder = "spm" }, ServerLog.Silent);
        await engine.CompleteAsync(Request(s_story + "\nThe dog"), null, TestContext.Current.CancellationToken);
        var prompt = engine.BuildPrompt(Request(s_story + "\nThe dog r"));

        var typed = await engine.CompleteAsync(Request(s_story + "\nThe dog r"), null, TestContext.Current.CancellationToken);

        Assert.Equal(FimOrder.SuffixPrefixMiddle, engine.Fim.Order);
        Assert.Equal(engine.Fim.SuffixToken, (int)prompt.First(t => (int)t == engine.Fim.SuffixToken || (int)t == engine.Fim.PrefixToken));
        Assert.Equal(0, typed.Stats.Shifted);
        Assert.InRange(typed.Stats.Decoded, 1, 4);
    }

    [Theory]
    [InlineData(new[] { 1, 2, 3, 4, 5 }, new[] { 1, 2, 3, 4, 5 }, 1)]
    [InlineData(new[] { 1, 2, 3, 4, 5 }, new[] { 1, 2, 9, 3, 4, 5 }, 2)]
    [InlineData(new[] { 1, 2, 3, 4, 5 }, new[] { 1, 2, 9, 8, 4, 5 }, 3)]
    [InlineData(new[] { 1, 2, 3 }, new[] { 1, 2, 3, 4 }, 1)]
    [InlineData(new[] { 1, 2, 3, 4 }, new[] { 1, 2, 4 }, 1)]
    [InlineData(new[] { 7, 8 }, new[] { 1, 2, 3 }, 3)]
    public void MinimumChanged_TokensOutsideTheCommonPrefixAndSuffix_PlusTheLastWhenItIsShared(int[] previous, int[] prompt, int expected)
    {
        Assert.Equal(expected, CompletionRunner.MinimumChanged([.. previous.Select(t => (LLamaToken)t)], [.. prompt.Select(t => (LLamaToken)t)]));
    }

    [Fact]
    public void MinimumChanged_NoPreviousPrompt_TheWholePrompt()
    {
        Assert.Equal(3, CompletionRunner.MinimumChanged(null, [(LLamaToken)1, (LLamaToken)2, (LLamaToken)3]));
    }
}
