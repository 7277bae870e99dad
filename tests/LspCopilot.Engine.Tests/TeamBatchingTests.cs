using LspCopilot.Completion;
using LspCopilot.Engine.Batching;
using LspCopilot.Server.Protocol;
using LspCopilot.TestSupport;

namespace LspCopilot.Engine.Tests;

/// <summary>Several clients' completions decoded together on the real engine (continuous batching, one KV sequence per client).</summary>
public sealed class TeamBatchingTests
{
    private static readonly string[] s_names = ["Max", "Lily", "Tom", "Sue"];

    private static string Story(int client, int lines = 8) => string.Join('\n', Enumerable.Range(0, lines).Select(i =>
        $"Once upon a time, {s_names[client % s_names.Length]} the {(client % 2 == 0 ? "dog" : "cat")} number {i} went to the park to play."));

    private static LlamaEngine Load(string model, int prefillChunk = 64) =>
        LlamaEngine.Load(new EngineOptions { ModelPath = TestModels.Require(model), PrefillChunk = prefillChunk, CacheReuseMinChunk = 0 }, ServerLog.Silent);

    private static CompletionRequest Request(string prefix, string client, int maxTokens = 24, string suffix = "") =>
        new(prefix, suffix, CompletionMode.MultiLine) { Generation = new GenerationOptions { MaxTokens = maxTokens }, ClientId = client };

    /// <summary>Hands <paramref name="requests"/> to one batch (all admitted at its first step) and waits for every answer.</summary>
    private static async Task<CompletionResult[]> TogetherAsync(LlamaEngine engine, params CompletionRequest[] requests)
    {
        var answers = new List<Task<CompletionResult>>();
        BatchedRequest? Admit(IReadOnlyCollection<string> busy) => answers.Count < requests.Length ? Answered(requests[answers.Count], answers) : null;

        await ((IBatchingEngine)engine).RunBatchAsync(Admit, CancellationToken.None);
        return await Task.WhenAll(answers);
    }

    /// <summary>A batch's request whose answer is added to <paramref name="answers"/>.</summary>
    private static BatchedRequest Answered(CompletionRequest request, List<Task<CompletionResult>> answers)
    {
        var answer = new TaskCompletionSource<CompletionResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        answers.Add(answer.Task);
        return new BatchedRequest(request, null, CancellationToken.None, answer.SetResult, answer.SetException, answer.SetCanceled);
    }

    [Theory]
    [InlineData(TestModels.Stories)]
    [InlineData(TestModels.Fim)]
    public async Task ThreeClientsDecodedTogether_EachGetsTheSameGreedyTextAsAlone(string model)
    {
        using var engine = Load(model);
        var requests = Enumerable.Range(0, 3).Select(c => Request(Story(c), "c" + c, suffix: model == TestModels.Fim ? "\nThe end.\n" : "")).ToArray();
        var alone = new List<CompletionResult>();
        foreach (var request in requests)
        {
            await engine.ResetCacheAsync();
            alone.Add(await engine.CompleteAsync(request, null, CancellationToken.None));
        }

        await engine.ResetCacheAsync();
        var steps = new List<BatchStep>();
        engine.BatchStepped += steps.Add;
        var together = await TogetherAsync(engine, requests);

        Assert.Equal(alone.Select(r => r.Text), together.Select(r => r.Text));
        Assert.Equal(alone.Select(r => r.Stats.GeneratedTokens), together.Select(r => r.Stats.GeneratedTokens));
        Assert.All(alone, r => Assert.True(r.Stats.GeneratedTokens > 4, $"generated {r.Stats.GeneratedTokens}"));
        Assert.Contains(steps, s => s.Generating.Count == 3);
    }

    [Fact]
    public async Task LongPrefillOfAnotherClient_NeverHoldsAGeneratingClientBackMoreThanOneChunkAndItsRemainder()
    {
        const int chunk = 16;
        using var engine = Load(TestModels.Stories, prefillChunk: chunk);
        var steps = new List<BatchStep>();
        engine.BatchStepped += steps.Add;

        await TogetherAsync(engine, Request("Once upon a time", "typing", maxTokens: 200), Request(Story(1, lines: 20), "pasting", maxTokens: 4));

        var whileOthersPrefill = steps.Skip(1).TakeWhile(s => s.Prefilled.ContainsKey("pasting")).ToList();
        Assert.True(whileOthersPrefill.Count > 10, $"the long prompt took {whileOthersPrefill.Count} steps");
        Assert.All(whileOthersPrefill, s => Assert.Contains("typing", s.Generating));

        // Whole chunks (where no other prompt shares the step), but for one step that takes the prompt's odd remainder
        // with a chunk: never a step for the remainder alone.
        var pasted = steps.Where(s => s.Prefilled.Keys.SequenceEqual(["pasting"])).Select(s => s.Prefilled["pasting"]).ToList();
        Assert.All(steps, s => Assert.True(s.Prefilled.Values.Sum() < 2 * chunk, $"{s.Prefilled.Values.Sum()} prompt tokens in one step"));
        Assert.All(pasted, n => Assert.True(n >= chunk, $"a step of {n} prompt tokens: {string.Join(", ", pasted)}"));
        Assert.True(pasted.Count(n => n > chunk) <= 1, string.Join(", ", pasted));
    }

    [Fact]
    public async Task EditsJoiningAStepApart_EachFirstTokenFromAStepWithoutOthersTokens_TheGeneratingClientNeverWaitsTwoSteps()
    {
        using var engine = Load(TestModels.Stories);
        var editors = Enumerable.Range(1, 3).Select(c => "editor" + c).ToArray();
        var typing = Request("Once upon a time", "typing", maxTokens: 60);
        var alone = await engine.CompleteAsync(typing, null, CancellationToken.None);
        foreach (var (editor, i) in editors.Select((e, i) => (e, i)))
        {
            // Each editor's story is in its own sequence already: a typed word is all its next prompt adds.
            await TogetherAsync(engine, Request(Story(i + 1), editor, maxTokens: 1));
        }

        var steps = new List<BatchStep>();
        engine.BatchStepped += steps.Add;
        var answers = new List<Task<CompletionResult>>();
        var joined = 0;
        BatchedRequest? Admit(IReadOnlyCollection<string> busy)
        {
            // The typing client first; then one editor per step, from the fourth step on.
            var request = answers.Count == 0 ? typing : steps.Count >= 3 + joined && joined < editors.Length ? Request(Story(joined + 1) + " The", editors[joined++], maxTokens: 4) : null;
            return request is null ? null : Answered(request, answers);
        }

        await ((IBatchingEngine)engine).RunBatchAsync(Admit, CancellationToken.None);
        var results = await Task.WhenAll(answers);

        Assert.Equal(alone.Text, results[0].Text);
        Assert.Equal(editors.Length + 1, results.Length);
        var edits = steps.Select((s, i) => (Step: s, Index: i)).Where(x => editors.Any(x.Step.Prefilled.ContainsKey)).ToList();
        Assert.Equal(editors.Length, edits.Count);
        Assert.All(edits, e => Assert.True(e.Step.Prefilled.Values.Sum() <= BatchRunner.FirstTokenRows, $"{e.Step.Prefilled.Values.Sum()} prompt rows"));
        // The first edit's step holds no generated token; the next edit, a step later, shares its step with them.
        Assert.Empty(edits[0].Step.Generating);
        Assert.Contains("typing", edits[1].Step.Generating);
        var typingSteps = steps.Select((s, i) => (s, i)).Where(x => x.s.Generating.Contains("typing")).Select(x => x.i).ToList();
        Assert.All(typingSteps.Zip(typingSteps.Skip(1)), pair => Assert.True(pair.Second - pair.First <= 2, $"typing waited from step {pair.First} to {pair.Second}"));
    }

    [Fact]
    public async Task ClientsOwnSequence_SurvivesAnotherClientsRequests_PrefixReused()
    {
        using var engine = Load(TestModels.Stories);
        await engine.CompleteAsync(Request(Story(0), "alice"), null, CancellationToken.None);
        await TogetherAsync(engine, Request(Story(1), "bob"), Request(Story(2), "carol"));
        await engine.CompleteAsync(Request(Story(3), "dave"), null, CancellationToken.None);

        var typed = Request(Story(0) + " The", "alice");
        var warm = await engine.CompleteAsync(typed, null, CancellationToken.None);
        var bobTrace = new LatencyTrace();
        var warmBatched = (await TogetherAsync(engine, Request(Story(1) + " The", "bob") with { Trace = bobTrace }, Request(Story(2) + " The", "carol")))[0];
        await engine.ResetCacheAsync();
        var cold = await engine.CompleteAsync(typed, null, CancellationToken.None);

        Assert.Equal(cold.Text, warm.Text);
        Assert.True(warm.Stats.ReusedTokens > warm.Stats.PromptTokens - 8, $"alice reused {warm.Stats.ReusedTokens} of {warm.Stats.PromptTokens}");
        Assert.True(warmBatched.Stats.ReusedTokens > warmBatched.Stats.PromptTokens - 8, $"bob reused {warmBatched.Stats.ReusedTokens} of {warmBatched.Stats.PromptTokens}");
        Assert.Equal(0, cold.Stats.ReusedTokens);

        // The batch keeps the latency trace's counts as the single-request path does.
        Assert.Equal(warmBatched.Stats.PromptTokens, bobTrace.CountValues[LatencyTrace.Counts.Prompt]);
        Assert.Equal(warmBatched.Stats.PromptTokens - warmBatched.Stats.ReusedTokens, bobTrace.CountValues[LatencyTrace.Counts.Reprefill]);
    }

    [Fact]
    public async Task ClientsThatWentAway_TheirSequencesAndTheCompletionSequenceEmptied_OthersKeepTheirs()
    {
        using var engine = Load(TestModels.Stories);
        await TogetherAsync(engine, Request(Story(0), "c1/alice"), Request(Story(1), "c2/bob"));
        // Carol (alice's connection) is served last on the single-request path: her tokens are in the completion sequence.
        await engine.CompleteAsync(Request(Story(2), "c1/carol"), null, CancellationToken.None);
        var held = engine.ClientSequenceCells;

        await engine.ForgetClientsAsync("c1/", CancellationToken.None);

        Assert.InRange(engine.ClientSequenceCells, 1, held - Story(0).Length / 8);
        var bob = await engine.CompleteAsync(Request(Story(1) + " The", "c2/bob"), null, CancellationToken.None);
        var alice = await engine.CompleteAsync(Request(Story(0) + " The", "c1/alice"), null, CancellationToken.None);
        var carol = await engine.CompleteAsync(Request(Story(2) + " The", "c1/carol"), null, CancellationToken.None);
        Assert.True(bob.Stats.ReusedTokens > bob.Stats.PromptTokens - 8, $"bob reused {bob.Stats.ReusedTokens} of {bob.Stats.PromptTokens}");
        Assert.Equal(0, alice.Stats.ReusedTokens);
        Assert.Equal(0, carol.Stats.ReusedTokens);
    }

    [Fact]
    public async Task MoreClientsThanSequences_TheOneUnusedLongestGivesItsSequenceUp_AnswersStayRight()
    {
        using var engine = Load(TestModels.Stories);
        var clients = KvSequences.ClientSlots + 2;
        for (var round = 0; round < 2; round++)
        {
            var requests = Enumerable.Range(0, clients).Select(c => Request(Story(c, lines: 2) + " " + c, "c" + c, maxTokens: 8)).ToArray();
            var results = await TogetherAsync(engine, requests);
            Assert.All(results, r => Assert.Equal(8, r.Stats.GeneratedTokens));
        }

        await engine.ResetCacheAsync();
        var alone = await engine.CompleteAsync(Request(Story(0, lines: 2) + " 0", "c0", maxTokens: 8), null, CancellationToken.None);
        var batched = (await TogetherAsync(engine, Request(Story(0, lines: 2) + " 0", "c0", maxTokens: 8), Request(Story(1, lines: 2), "c1", maxTokens: 8)))[0];
        Assert.Equal(alone.Text, batched.Text);
    }
}
