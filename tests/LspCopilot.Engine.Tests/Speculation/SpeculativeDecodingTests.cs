using LLama.Native;
using LspCopilot.Completion;
using LspCopilot.Engine.Models;
using LspCopilot.TestSupport;

namespace LspCopilot.Engine.Tests.Speculation;

/// <summary>Speculative decoding on the real tiny models: the output never changes, only how it is decoded.</summary>
public sealed class SpeculativeDecodingTests
{
    private static LlamaEngine Load(string speculation, string? draftModel = null, string model = TestModels.Fim) =>
        LlamaEngine.Load(new EngineOptions { ModelPath = TestModels.Require(model), Speculation = speculation, DraftModelPath = draftModel }, ServerLog.Silent);

    [Fact]
    public async Task PromptLookup_GreedyCorpus_ByteIdenticalToPlainDecoding()
    {
        using var plain = Load("off");
        using var lookup = Load("lookup");

        var (drafted, accepted) = await AssertSameAsPlainAsync(plain, lookup);

        Assert.True(drafted > 0, "prompt lookup never drafted on repetitive text");
        Assert.True(accepted > 0, $"prompt lookup drafted {drafted} tokens and none was accepted");
        Assert.True(lookup.TileVerifications > 0, "no verification step was padded to a whole tile of rows");
    }

    [Fact]
    public async Task PromptLookup_QuantizedModel_ByteIdenticalToPlainDecoding()
    {
        using var plain = Load("off", model: TestModels.Quantized);
        using var lookup = Load("lookup", model: TestModels.Quantized);

        var (drafted, accepted) = await AssertSameAsPlainAsync(plain, lookup);

        Assert.True(accepted > 0, $"prompt lookup drafted {drafted} tokens and none was accepted");
        Assert.True(lookup.TileVerifications > 0, "no verification step was padded to a whole tile of rows");
    }

    [Fact]
    public async Task PromptLookup_BatchInvariant_ByteIdenticalToPlainDecodingOnNearTies()
    {
        // Stories with numbers: lookup guesses much, and the tiny Q8_0 model's greedy choices between near-tied tokens
        // flip with how many rows a step had, unless every step has several (--batch-invariant). Without it this corpus
        // differs from plain decoding within its first requests.
        var options = new EngineOptions { ModelPath = TestModels.Require(TestModels.Quantized), BatchInvariant = true };
        using var plain = LlamaEngine.Load(options with { Speculation = "off" }, ServerLog.Silent);
        using var lookup = LlamaEngine.Load(options with { Speculation = "lookup" }, ServerLog.Silent);
        var random = new Random(3);
        var differing = new List<string>();
        var drafted = 0;
        for (var i = 0; i < 24; i++)
        {
            var story = string.Join(" ", Enumerable.Range(0, 12).Select(_ => $"Once upon a time there was a cat named {random.Next(1000)} who liked {random.Next(100)} fish."));
            var request = new CompletionRequest(story + " Once upon a time there was a", string.Empty, CompletionMode.MultiLine) { Generation = new GenerationOptions { MaxTokens = 120 } };
            var expected = await plain.CompleteAsync(request, null, TestContext.Current.CancellationToken);
            var actual = await lookup.CompleteAsync(request, null, TestContext.Current.CancellationToken);
            drafted += actual.Stats.Drafted;
            if (expected.Text != actual.Text || expected.Stats.GeneratedTokens != actual.Stats.GeneratedTokens)
            {
                differing.Add($"{i}: '{actual.Text}' instead of '{expected.Text}'");
            }

            Assert.Equal(plain.CachedTokens, lookup.CachedTokens);
            AssertCacheMatchesContext(lookup);
            AssertCacheMatchesContext(plain);
        }

        Assert.Empty(differing);
        Assert.True(drafted > 0, "prompt lookup never drafted");
        Assert.Equal(0, lookup.TileVerifications);
    }

    [Fact]
    public async Task PromptLookup_FlashAttentionOff_VerifiesUnpaddedAndStaysByteIdentical()
    {
        // Without llama.cpp's CPU flash attention a batch costs about what its rows do, so there is no tile to fill.
        using var plain = LlamaEngine.Load(new EngineOptions { ModelPath = TestModels.Require(TestModels.Quantized), Speculation = "off", FlashAttention = false }, ServerLog.Silent);
        using var lookup = LlamaEngine.Load(new EngineOptions { ModelPath = TestModels.Require(TestModels.Quantized), Speculation = "lookup", FlashAttention = false }, ServerLog.Silent);

        var (_, accepted) = await AssertSameAsPlainAsync(plain, lookup);

        Assert.True(accepted > 0);
        Assert.Equal(0, lookup.TileVerifications);
    }

    [Theory]
    [InlineData(null, "f16", false, -1, 64)]
    [InlineData(true, "f16", false, 0, 64)]
    [InlineData(false, "f16", false, 0, 0)]
    [InlineData(null, "q8_0", false, 0, 0)]
    [InlineData(null, "f16", true, -1, 0)]
    [InlineData(null, "f16", true, 0, 64)]
    public void VerifyTile_OnlyWhereTheCpuFlashAttentionKernelRuns(bool? flashAttention, string kvCacheType, bool gpuBuild, int gpuLayers, int tile)
    {
        var options = new EngineOptions { FlashAttention = flashAttention, KvCacheType = kvCacheType, GpuLayers = gpuLayers };

        Assert.Equal(tile, LlamaEngine.VerifyTile(options, gpuBuild));
    }

    [Fact]
    public async Task DraftModel_TheTargetItself_AcceptsAtLeast95PercentAndSameOutput()
    {
        using var plain = Load("off");
        using var drafting = Load("draft", TestModels.Require(TestModels.Fim));

        var (drafted, accepted) = await AssertSameAsPlainAsync(plain, drafting);

        Assert.True(drafted > 0, "the draft model never drafted");
        Assert.True(accepted >= 0.95 * drafted, $"accepted {accepted} of {drafted} drafts of the model itself");
    }

    [Fact]
    public async Task DraftModel_DerivedWithFewerBlocks_SameOutput()
    {
        using var folder = new TempFolder();
        var derived = folder.File("draft-2-blocks.gguf");
        LayerDropper.Derive(TestModels.Require(TestModels.Fim), derived, keepBlocks: 2);
        using var plain = Load("off");
        using var drafting = Load("draft", derived);

        var (drafted, _) = await AssertSameAsPlainAsync(plain, drafting);

        Assert.True(drafted > 0, "the derived draft model never drafted");
    }

    [Fact]
    public void DraftModel_DifferentVocabulary_RefusedWithWhatToDo()
    {
        var other = TestModels.Require(TestModels.Quantized);

        var error = Assert.Throws<ModelLoadException>(() => Load("auto", other));

        Assert.Contains("vocabulary differs", error.Message, StringComparison.Ordinal);
        Assert.Contains("--draft-model", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DraftModel_MissingFile_RefusedWithWhatToDo()
    {
        var error = Assert.Throws<ModelLoadException>(() => Load("auto", "/nonexistent/draft.gguf"));

        Assert.Contains("--draft-model", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sampling_TemperatureAboveZero_NeverDrafts()
    {
        using var lookup = Load("lookup");
        foreach (var (_, request) in SpeculationCorpus.Requests())
        {
            var sampled = request with { Generation = request.Generation with { Temperature = 0.8f } };
            var result = await lookup.CompleteAsync(sampled, null, CancellationToken.None);
            Assert.Equal(0, result.Stats.Drafted);
        }
    }

    [Fact]
    public async Task Cancellation_WhileSpeculating_StopsAtTheNextTokenAndLeavesTheCacheUsable()
    {
        using var plain = Load("off");
        using var lookup = Load("lookup");
        var (_, request) = SpeculationCorpus.Requests().First();
        var expected = await plain.CompleteAsync(request, null, CancellationToken.None);

        // Several cancellation points, so that some fall between the accepted drafts of one verification step.
        foreach (var cancelAt in new[] { 3, 6, 9, 12, 16, 20, 24, 32 })
        {
            using var cts = new CancellationTokenSource();
            var texts = 0;
            var textsAfterCancel = 0;
            void OnText(string text)
            {
                if (cts.IsCancellationRequested)
                {
                    textsAfterCancel++;
                }
                else if (++texts == cancelAt)
                {
                    cts.Cancel();
                }
            }

            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => lookup.CompleteAsync(request, OnText, cts.Token));

            // Accepted drafts are taken one by one, checking cancellation before each, as plainly decoded tokens are.
            Assert.Equal(0, textsAfterCancel);
            AssertCacheMatchesContext(lookup);
        }

        var after = await lookup.CompleteAsync(request, null, CancellationToken.None);
        Assert.Equal(expected.Text, after.Text);
        Assert.True(after.Stats.Drafted > 0, "the request drafted nothing: the cancellation points never fell inside a verification step");
    }

    /// <summary>
    /// Runs the corpus through both engines in turn (each keeping its KV cache from one request to the next, as typing does)
    /// and checks that text, stop reason, token count and the KV cache's tokens are the same; returns the drafts' totals.
    /// </summary>
    private static async Task<(int Drafted, int Accepted)> AssertSameAsPlainAsync(LlamaEngine plain, LlamaEngine speculating)
    {
        int drafted = 0, accepted = 0;
        foreach (var (name, request) in SpeculationCorpus.Requests().Concat(SpeculationCorpus.Requests()))
        {
            var expected = await plain.CompleteAsync(request, null, CancellationToken.None);
            var streamed = new List<string>();
            var actual = await speculating.CompleteAsync(request, streamed.Add, CancellationToken.None);

            Assert.True(expected.Text == actual.Text, $"{name}: '{actual.Text}' instead of '{expected.Text}'");
            Assert.Equal(expected.Reason, actual.Reason);
            Assert.Equal(expected.Stats.GeneratedTokens, actual.Stats.GeneratedTokens);
            Assert.Equal(plain.CachedTokens, speculating.CachedTokens);
            Assert.Equal(actual.Text, streamed.LastOrDefault() ?? string.Empty);
            AssertCacheMatchesContext(speculating);
            drafted += actual.Stats.Drafted;
            accepted += actual.Stats.DraftAccepted;
        }

        return (drafted, accepted);
    }

    /// <summary>What the engine's bookkeeping says the completion sequence holds is what llama.cpp holds: no rejected draft left behind.</summary>
    private static void AssertCacheMatchesContext(LlamaEngine engine)
    {
        var handle = engine.Context.NativeHandle;
        var count = engine.CachedTokens.Count;
        var highest = (int)handle.MemorySequenceMaxPosition(KvSequences.Completion);
        Assert.Equal(count - 1, highest);
    }
}
