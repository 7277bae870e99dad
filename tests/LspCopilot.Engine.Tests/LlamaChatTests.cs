using LspCopilot.Completion;
using LspCopilot.Completion.Chat;
using LspCopilot.Engine.Chat;
using LspCopilot.TestSupport;

namespace LspCopilot.Engine.Tests;

/// <summary>
/// Chats on the real engine: a tiny ChatML model written from the shared stories model, and the stories model itself
/// (no template). The models write nonsense: the tests check layouts, streaming, cancellation, the conversation's KV
/// cache and how chats and completions take turns.
/// </summary>
public sealed class LlamaChatTests : IDisposable
{
    private static readonly TimeSpan s_guard = TimeSpan.FromSeconds(60);

    private static readonly string s_code = string.Join('\n', Enumerable.Range(0, 12).Select(i =>
        $"Once upon a time, there was a little dog named Max number {i}. He liked to run in the park."));

    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    internal static ChatRequest Ask(string question, string? conversation = "c1", int maxTokens = 24) =>
        new([new ChatMessage(ChatMessage.System, "You explain stories."), new ChatMessage(ChatMessage.User, s_code + "\n\n" + question)])
        {
            ConversationId = conversation,
            Generation = new GenerationOptions { MaxTokens = maxTokens },
        };

    internal static ChatRequest FollowUp(ChatRequest first, string reply, string question) =>
        first with { Messages = [.. first.Messages, new ChatMessage(ChatMessage.Assistant, reply), new ChatMessage(ChatMessage.User, question)] };

    internal static CompletionRequest Completion(string prefix = "Lily and Tom went to the park. They saw a big") =>
        new(prefix, string.Empty, CompletionMode.MultiLine) { Generation = new GenerationOptions { MaxTokens = 16 } };

    private LlamaEngine Load(string? model = null, string chatTemplate = "auto", uint? contextSize = null) =>
        LlamaEngine.Load(new EngineOptions { ModelPath = model ?? ChatModels.ChatML(_folder), ChatTemplate = chatTemplate, ContextSize = contextSize }, ServerLog.Silent);

    private static string Spelled(LlamaEngine engine, IReadOnlyList<int> tokens) => string.Concat(tokens.Select(engine.TokenText));

    [Fact]
    public async Task ChatLayout_GgufWithAChatMLTemplate_NamesItAndThePromptHoldsItsMarkers()
    {
        using var engine = Load();

        var prompt = engine.BuildChatPrompt(Ask("Who is Max?").Messages);
        var result = await engine.ChatAsync(Ask("Who is Max?"), null, TestContext.Current.CancellationToken);

        Assert.Equal("chat template (chatml)", engine.ChatLayout);
        Assert.Equal("chat template (chatml)", result.Layout);
        Assert.Equal(3, prompt.Count(t => t == ChatModels.FirstMarkerId));
        Assert.Equal(2, prompt.Count(t => t == ChatModels.FirstMarkerId + 1));
        Assert.EndsWith("assistant\n", Spelled(engine, prompt), StringComparison.Ordinal);
        Assert.Equal(prompt.Count, result.Stats.PromptTokens);
    }

    [Fact]
    public void ChatLayout_ModelWithoutATemplate_PlainInstructionLayout()
    {
        using var engine = Load(TestModels.Require(TestModels.Stories));

        var prompt = Spelled(engine, engine.BuildChatPrompt(Ask("Who is Max?").Messages));

        Assert.Equal("plain", engine.ChatLayout);
        Assert.Contains("### Instruction:", prompt, StringComparison.Ordinal);
        Assert.EndsWith("### Response:\n", prompt, StringComparison.Ordinal);
    }

    [Fact]
    public void ChatLayout_ChatTemplatePlain_ForcesThePlainLayoutOverTheGgufTemplate()
    {
        using var engine = Load(chatTemplate: "plain");

        var prompt = engine.BuildChatPrompt(Ask("Who is Max?").Messages);

        Assert.Equal("plain", engine.ChatLayout);
        Assert.DoesNotContain(ChatModels.FirstMarkerId, prompt);
    }

    [Fact]
    public void ChatLayout_ChatTemplateNamed_ForcesThatLlamaCppTemplate()
    {
        using var engine = Load(TestModels.Require(TestModels.Stories), chatTemplate: "zephyr");

        var prompt = Spelled(engine, engine.BuildChatPrompt(Ask("Who is Max?").Messages));

        Assert.Equal("chat template (zephyr)", engine.ChatLayout);
        Assert.Contains("<|user|>", prompt, StringComparison.Ordinal);
    }

    [Fact]
    public void ChatLayout_UnknownChatTemplateName_ChoosesFromTheModelInstead()
    {
        using var engine = Load(chatTemplate: "no-such-template");

        Assert.Equal("chat template (chatml)", engine.ChatLayout);
    }

    [Fact]
    public void ChatLayout_TemplateLlamaCppDoesNotRecognise_TheArchitecturesFamilyWhenItsMarkersAreTokens()
    {
        using var engine = Load(ChatModels.Write(_folder, "{{ messages | custom_format }}", ChatModels.Llama3Markers));

        var prompt = engine.BuildChatPrompt(Ask("Who is Max?").Messages);

        Assert.Equal("chat template (llama3)", engine.ChatLayout);
        Assert.Contains(ChatModels.FirstMarkerId, prompt);
    }

    [Fact]
    public void ChatLayout_TemplateLlamaCppDoesNotRecogniseWithoutTheFamilysMarkers_Plain()
    {
        using var engine = Load(ChatModels.Write(_folder, "{{ messages | custom_format }}", []));

        Assert.Equal("plain", engine.ChatLayout);
    }

    [Fact]
    public async Task Chat_StreamsGrowingTextEndingWithTheResult()
    {
        using var engine = Load();
        var texts = new List<string>();

        var result = await engine.ChatAsync(Ask("Who is Max?"), texts.Add, TestContext.Current.CancellationToken).WaitAsync(s_guard, TestContext.Current.CancellationToken);

        Assert.True(texts.Count > 1, $"{texts.Count} texts");
        Assert.Equal(result.Text, texts[^1]);
        Assert.All(texts.Zip(texts.Skip(1)), pair => Assert.StartsWith(pair.First, pair.Second, StringComparison.Ordinal));
        Assert.Equal(24, result.Stats.GeneratedTokens);
    }

    [Fact]
    public async Task Chat_ModelWritesTheEndOfTurnToken_StopsThereWithoutIt()
    {
        var model = ChatModels.Write(_folder, ChatModels.ChatMLTemplate, new Dictionary<int, string> { [ChatModels.FirstMarkerId] = "<|im_start|>", [ChatModels.FullStopId] = "<|im_end|>" }, "full-stop-ends-turns.gguf");
        using var engine = Load(model);

        var result = await engine.ChatAsync(Ask("Who is Max?", maxTokens: 200), null, TestContext.Current.CancellationToken);

        Assert.Equal(StopReason.EndOfGeneration, result.Reason);
        Assert.InRange(result.Stats.GeneratedTokens, 1, 199);
        Assert.DoesNotContain("<|im_end|>", result.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Chat_CancelledMidGeneration_StopsWithCancellation_NextChatRuns()
    {
        using var engine = Load();
        using var cancel = new CancellationTokenSource();
        var seen = 0;

        var running = engine.ChatAsync(Ask("Who is Max?", maxTokens: 100_000), _ =>
        {
            if (Interlocked.Increment(ref seen) == 3)
            {
                cancel.Cancel();
            }
        }, cancel.Token);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running.WaitAsync(s_guard, TestContext.Current.CancellationToken));
        Assert.InRange(seen, 3, 4);
        var next = await engine.ChatAsync(Ask("And Lily?"), null, TestContext.Current.CancellationToken);
        Assert.Equal(24, next.Stats.GeneratedTokens);
    }

    [Fact]
    public async Task FollowUp_SameConversationWithACompletionBetween_ReusesTheFirstTurn_CompletionAsWithoutTheChat()
    {
        using var alone = Load();
        var expected = await alone.CompleteAsync(Completion(), null, TestContext.Current.CancellationToken);
        using var engine = Load();
        var first = Ask("Who is Max?");

        var turn1 = await engine.ChatAsync(first, null, TestContext.Current.CancellationToken);
        var between = await engine.CompleteAsync(Completion(), null, TestContext.Current.CancellationToken);
        var turn2 = await engine.ChatAsync(FollowUp(first, turn1.Text, "And the park?"), null, TestContext.Current.CancellationToken);

        Assert.Equal(expected.Text, between.Text);
        Assert.Equal(0, turn1.Stats.ReusedTokens);
        Assert.True(turn2.Stats.ReusedTokens >= turn1.Stats.PromptTokens + turn1.Stats.GeneratedTokens - 1, $"reused {turn2.Stats.ReusedTokens}; turn 1: {turn1.Stats}");
        Assert.True(turn2.Stats.Decoded < 32, $"decoded {turn2.Stats.Decoded}");
    }

    [Fact]
    public async Task FollowUp_PlainLayout_ReusesEveryReplyAsGenerated()
    {
        // Without a template nothing but text follows a reply: its tokens are kept when the next text, tokenized alone,
        // spells itself (the sentencepiece tokenizer's lone leading space left out). Before, the whole prompt was
        // tokenized again, and a reply the model had split unlike the tokenizer was decoded again from that split on.
        using var engine = Load(TestModels.Require(TestModels.Stories));
        var slack = new EngineOptions().PrefillChunk / 4;
        var shortOnes = new List<string>();
        // Greedy replies of 300 tokens; the model splits the reply about Max number 13 unlike the tokenizer ~200 tokens in.
        for (var i = 12; i < 16; i++)
        {
            var first = Ask($"Who is Max number {i}, and what did he see?", conversation: $"plain{i}", maxTokens: 300);
            var turn1 = await engine.ChatAsync(first, null, TestContext.Current.CancellationToken);
            var turn2 = await engine.ChatAsync(FollowUp(first, turn1.Text, "And the park?") with { Generation = new GenerationOptions { MaxTokens = 1 } }, null, TestContext.Current.CancellationToken);
            await engine.EndConversationAsync($"plain{i}", TestContext.Current.CancellationToken);
            // Up to a quarter chunk of the reply's end may be decoded again so that the question's batch is a whole chunk.
            if (turn2.Stats.ReusedTokens < turn1.Stats.PromptTokens + turn1.Stats.GeneratedTokens - slack)
            {
                shortOnes.Add($"{i}: reused {turn2.Stats.ReusedTokens} of {turn1.Stats.PromptTokens} + {turn1.Stats.GeneratedTokens}");
            }
        }

        Assert.Empty(shortOnes);
    }

    [Fact]
    public async Task FollowUp_ShortQuestion_DecodesItsRowsOrAWholeChunkAsTheLearntCostsSay()
    {
        using var engine = Load(TestModels.Require(TestModels.Stories));
        var first = new ChatRequest([new ChatMessage(ChatMessage.User, s_code + "\n" + s_code + "\n\nWho is Max?")])
        {
            ConversationId = "short",
            Generation = new GenerationOptions { MaxTokens = 200 },
        };

        var turn1 = await engine.ChatAsync(first, null, TestContext.Current.CancellationToken);
        var costs = engine.ChatRowCosts!;
        var learnt = costs.Count;
        var next = FollowUp(first, turn1.Text, "Why?") with { Generation = new GenerationOptions { MaxTokens = 1 } };
        var held = turn1.Stats.PromptTokens + turn1.Stats.GeneratedTokens;
        var rows = engine.BuildChatPrompt(next.Messages).Count - held;
        var roundUp = costs.ChunkIsCheaper(rows, held);
        var turn2 = await engine.ChatAsync(next, null, TestContext.Current.CancellationToken);

        // The prompt's whole chunks and the reply's tokens were measured (the chat learns as it runs, nothing is probed).
        Assert.True(learnt.Chunks >= RowCosts.MinChunks && learnt.Tokens >= RowCosts.MinTokens, $"learnt {learnt}");
        Assert.InRange(rows, 1, 47);
        Assert.Equal(roundUp ? 64 : rows, turn2.Stats.PromptTokens - turn2.Stats.ReusedTokens);
    }

    [Fact]
    public async Task FollowUp_ReplySentBackChanged_StillReusesTheFirstPrompt()
    {
        using var engine = Load();
        var first = Ask("Who is Max?");

        var turn1 = await engine.ChatAsync(first, null, TestContext.Current.CancellationToken);
        var turn2 = await engine.ChatAsync(FollowUp(first, "Max is a dog.", "And the park?"), null, TestContext.Current.CancellationToken);

        Assert.True(turn2.Stats.ReusedTokens >= turn1.Stats.PromptTokens, $"reused {turn2.Stats.ReusedTokens}; turn 1: {turn1.Stats}");
    }

    [Fact]
    public async Task FollowUp_AfterEndConversation_DecodesEverything()
    {
        using var engine = Load();
        var first = Ask("Who is Max?");
        var turn1 = await engine.ChatAsync(first, null, TestContext.Current.CancellationToken);

        await engine.EndConversationAsync("c1", TestContext.Current.CancellationToken);
        var turn2 = await engine.ChatAsync(FollowUp(first, turn1.Text, "And the park?"), null, TestContext.Current.CancellationToken);

        Assert.Equal(0, turn2.Stats.ReusedTokens);
        Assert.Equal(turn2.Stats.PromptTokens, turn2.Stats.Decoded);
    }

    [Fact]
    public async Task EndConversation_AnotherId_KeepsTheConversation()
    {
        using var engine = Load();
        var first = Ask("Who is Max?");
        var turn1 = await engine.ChatAsync(first, null, TestContext.Current.CancellationToken);

        await engine.EndConversationAsync("someone else's", TestContext.Current.CancellationToken);
        var turn2 = await engine.ChatAsync(FollowUp(first, turn1.Text, "And the park?"), null, TestContext.Current.CancellationToken);

        Assert.True(turn2.Stats.ReusedTokens >= turn1.Stats.PromptTokens);
    }

    [Fact]
    public async Task OneOffChat_WithoutAnId_LeavesTheKeptConversationAndKeepsNothing()
    {
        using var engine = Load();
        var first = Ask("Who is Max?");
        var turn1 = await engine.ChatAsync(first, null, TestContext.Current.CancellationToken);
        var cellsBefore = engine.UsedCells;

        var oneOff = await engine.ChatAsync(Ask("Rewrite the story.", conversation: null), null, TestContext.Current.CancellationToken);
        var cellsAfter = engine.UsedCells;
        var turn2 = await engine.ChatAsync(FollowUp(first, turn1.Text, "And the park?"), null, TestContext.Current.CancellationToken);

        Assert.True(oneOff.Stats.GeneratedTokens > 0);
        Assert.Equal(cellsBefore, cellsAfter);
        Assert.True(turn2.Stats.ReusedTokens >= turn1.Stats.PromptTokens + turn1.Stats.GeneratedTokens - 1, $"reused {turn2.Stats.ReusedTokens}");
    }

    [Fact]
    public async Task NewConversationId_ReplacesTheKeptOne_SharingItsCommonPrefix()
    {
        using var engine = Load();
        var turn1 = await engine.ChatAsync(Ask("Who is Max?"), null, TestContext.Current.CancellationToken);

        var other = await engine.ChatAsync(Ask("Where is the park?", conversation: "c2"), null, TestContext.Current.CancellationToken);

        Assert.InRange(other.Stats.ReusedTokens, turn1.Stats.PromptTokens - 20, turn1.Stats.PromptTokens - 1);
    }

    [Fact]
    public async Task CompletionRequestedWhileAChatGenerates_RunsBetweenTheChatsTokens()
    {
        using var engine = Load();

        var (result, _, events) = await CompletionDuringChatAsync(engine, engine, engine);

        var firstCompletion = events.IndexOf("completion");
        var lastCompletion = events.LastIndexOf("completion");
        Assert.Equal(1, firstCompletion);
        Assert.Equal(200, result.Stats.GeneratedTokens);
        Assert.Equal("chat", events[lastCompletion + 1]);
    }

    /// <summary>
    /// A 200-token chat on <paramref name="chats"/>; at its first text, a completion on <paramref name="completions"/>,
    /// lined up (on <paramref name="waiting"/>'s engine thread) behind the chat's next token. Returns both results and
    /// the order in which their texts arrived ("chat", "completion").
    /// </summary>
    internal static async Task<(ChatResult Chat, CompletionResult Completion, List<string> Events)> CompletionDuringChatAsync(
        IChatEngine chats, ICompletionEngine completions, LlamaEngine waiting)
    {
        var events = new List<string>();
        Task<CompletionResult>? completion = null;

        var chat = chats.ChatAsync(Ask("Who is Max?", maxTokens: 200), _ =>
        {
            lock (events)
            {
                events.Add("chat");
            }

            if (completion is null)
            {
                completion = completions.CompleteAsync(Completion(), _ => { lock (events) { events.Add("completion"); } }, CancellationToken.None);

                // Lined up behind this token: the chat lets it in before decoding the token.
                Assert.True(SpinWait.SpinUntil(() => waiting.WaitingCompletions > 0, s_guard));
            }
        }, TestContext.Current.CancellationToken);
        var result = await chat.WaitAsync(s_guard, TestContext.Current.CancellationToken);
        var answer = await completion!.WaitAsync(s_guard, TestContext.Current.CancellationToken);
        return (result, answer, events);
    }

    [Fact]
    public async Task CompletionDuringAChatPrefill_RunsBetweenItsChunks()
    {
        using var engine = LlamaEngine.Load(new EngineOptions { ModelPath = ChatModels.ChatML(_folder), PrefillChunk = 16 }, ServerLog.Silent);
        var chunks = 0;
        Task<CompletionResult>? completion = null;
        var chunksBeforeCompletion = -1;
        engine.PrefillChunkStarting += () =>
        {
            chunks++;
            if (chunks == 2 && completion is null)
            {
                completion = engine.CompleteAsync(Completion(), null, CancellationToken.None);
                Assert.True(SpinWait.SpinUntil(() => engine.WaitingCompletions > 0, s_guard));
            }
        };
        engine.PhaseChanged += phase =>
        {
            if (phase == EnginePhase.Prefill && chunksBeforeCompletion < 0)
            {
                chunksBeforeCompletion = chunks;
            }
        };

        var chat = await engine.ChatAsync(Ask("Who is Max?"), null, TestContext.Current.CancellationToken).WaitAsync(s_guard, TestContext.Current.CancellationToken);
        await completion!.WaitAsync(s_guard, TestContext.Current.CancellationToken);

        Assert.Equal(2, chunksBeforeCompletion);
        Assert.True(chat.Stats.PromptTokens > 16 * 4, $"{chat.Stats.PromptTokens} prompt tokens");
    }

    [Fact]
    public async Task ChatPrompt_WithAnOddRemainder_DecodesItWithTheFirstChunk_NoBatchUnderAChunk()
    {
        const int chunk = 16;
        using var engine = LlamaEngine.Load(new EngineOptions { ModelPath = ChatModels.ChatML(_folder), PrefillChunk = chunk }, ServerLog.Silent);
        var chunks = 0;
        engine.PrefillChunkStarting += () => chunks++;

        var chat = await engine.ChatAsync(Ask("Who is Max?", conversation: null), null, TestContext.Current.CancellationToken).WaitAsync(s_guard, TestContext.Current.CancellationToken);

        Assert.NotEqual(0, chat.Stats.PromptTokens % chunk);
        Assert.Equal(chat.Stats.PromptTokens / chunk, chunks);
    }

    [Fact]
    public async Task ContextShort_CompletionsAndChatTakeCellsFromEachOther_BothStillAnswer()
    {
        using var engine = Load(contextSize: 256);
        var first = Ask("Who?") with { Messages = [new ChatMessage(ChatMessage.User, string.Join(' ', Enumerable.Repeat("Max ran in the park.", 12)))] };
        var longCompletion = Completion(string.Join(' ', Enumerable.Repeat("Lily had a red ball and a big dog.", 12)));

        var turn1 = await engine.ChatAsync(first, null, TestContext.Current.CancellationToken);
        var completion = await engine.CompleteAsync(longCompletion, null, TestContext.Current.CancellationToken);
        var turn2 = await engine.ChatAsync(FollowUp(first, turn1.Text, "Why?"), null, TestContext.Current.CancellationToken);

        Assert.True(turn1.Stats.PromptTokens + completion.Stats.PromptTokens > 256, $"{turn1.Stats.PromptTokens} + {completion.Stats.PromptTokens}");
        Assert.NotEmpty(completion.Text);
        Assert.Equal(0, turn2.Stats.ReusedTokens);
        Assert.True(engine.UsedCells <= 256);
    }

    [Fact]
    public async Task CompletionNeedingTheRunningChatsCells_ChatDecodesItsTokensAgainAndFinishes()
    {
        using var engine = Load(contextSize: 256);
        var chat = Ask("Who?", maxTokens: 48) with { Messages = [new ChatMessage(ChatMessage.User, string.Join(' ', Enumerable.Repeat("Max ran in the park.", 12)))] };
        var longCompletion = Completion(string.Join(' ', Enumerable.Repeat("Lily had a red ball and a big dog.", 12)));
        Task<CompletionResult>? completion = null;

        var result = await engine.ChatAsync(chat, _ =>
        {
            if (completion is null)
            {
                completion = engine.CompleteAsync(longCompletion, null, CancellationToken.None);
                Assert.True(SpinWait.SpinUntil(() => engine.WaitingCompletions > 0, s_guard));
            }
        }, TestContext.Current.CancellationToken).WaitAsync(s_guard, TestContext.Current.CancellationToken);
        var completed = await completion!.WaitAsync(s_guard, TestContext.Current.CancellationToken);

        Assert.True(result.Stats.PromptTokens + completed.Stats.PromptTokens > 256, $"{result.Stats.PromptTokens} + {completed.Stats.PromptTokens}");
        Assert.Equal(48, result.Stats.GeneratedTokens);
        Assert.NotEmpty(completed.Text);
        Assert.True(engine.UsedCells <= 256);
    }

    [Fact]
    public async Task Chat_PromptLongerThanTheContext_FailsSayingSo()
    {
        using var engine = Load(contextSize: 256);
        var huge = new ChatRequest([new ChatMessage(ChatMessage.User, string.Join(' ', Enumerable.Repeat("Max ran in the park.", 100)))]);

        var error = await Assert.ThrowsAsync<PromptTooLongException>(() => engine.ChatAsync(huge, null, TestContext.Current.CancellationToken));

        Assert.Contains("--context-size", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Chat_NoMessages_ArgumentException()
    {
        using var engine = Load();

        await Assert.ThrowsAsync<ArgumentException>(() => engine.ChatAsync(new ChatRequest([]), null, TestContext.Current.CancellationToken));
    }
}
