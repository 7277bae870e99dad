using LLama.Native;
using LspCopilot.Completion.Chat;
using LspCopilot.Engine.Chat;

namespace LspCopilot.Engine.Tests;

/// <summary>
/// The plain chat layout, and how a conversation's next prompt reuses its earlier tokens (<see cref="ConversationTokens"/>),
/// with a tokenizer that spells one token per character and one control token, "|", as llama.cpp splits text at them.
/// </summary>
public sealed class ChatPromptTests
{
    private const int Bos = 1;
    private const int Marker = 2;

    private static LLamaToken[] Tokenize(string text) => [.. text.Select(c => (LLamaToken)(c == '|' ? Marker : c))];

    private static string? ControlText(LLamaToken token) => (int)token switch
    {
        Bos => "<s>",
        Marker => "|",
        _ => null,
    };

    /// <summary>Token 500 and up spell "g" (generated tokens), 600 a lone space, 601 a space and "\n"; the rest as <see cref="Tokenize"/> does.</summary>
    private static string Spell(IReadOnlyList<LLamaToken> tokens) => string.Concat(tokens.Select(t => (int)t switch
    {
        600 => " ",
        601 => " \n",
        >= 500 => "g",
        _ => ControlText(t) ?? ((char)(int)t).ToString(),
    }));

    private static ConversationTokens Conversation(Func<string, LLamaToken[]>? tokenize = null) => new(tokenize ?? Tokenize, ControlText, Spell, (LLamaToken)Bos);

    private static int[] Ids(IEnumerable<LLamaToken> tokens) => [.. tokens.Select(t => (int)t)];

    [Fact]
    public void Plain_Render_SystemThenInstructionAndResponseSections_EndsWhereTheReplyGoes()
    {
        var text = PlainChatFormat.Instance.Render(
        [
            new ChatMessage(ChatMessage.System, "Be brief."),
            new ChatMessage(ChatMessage.User, "Explain x."),
            new ChatMessage(ChatMessage.Assistant, "x is one."),
            new ChatMessage(ChatMessage.User, "And y?"),
        ]);

        Assert.Equal("Be brief.\n\n### Instruction:\nExplain x.\n\n### Response:\nx is one.\n\n### Instruction:\nAnd y?\n\n### Response:\n", text);
    }

    [Fact]
    public void Plain_FindEnd_ReplyThatStartsANewInstruction_EndsBeforeIt()
    {
        Assert.Equal(9, PlainChatFormat.Instance.FindEnd("x is one.\n\n### Instruction:\nmore"));
        Assert.Null(PlainChatFormat.Instance.FindEnd("x is one.\n\n###"));
    }

    [Fact]
    public void Continue_FirstTurn_BosThenThePromptTokenized()
    {
        Assert.Equal([Bos, Marker, 'u', 'a', Marker, 'a'], Ids(Conversation().Continue("|ua|a")));
    }

    [Fact]
    public void Continue_FollowUpWithTheReplyUnchanged_KeepsTheReplyAsGenerated()
    {
        var conversation = Conversation();
        var prompt = conversation.Continue("|ua|a");
        LLamaToken[] generated = [(LLamaToken)500, (LLamaToken)501];
        conversation.Record("|ua|a", prompt, "hi", generated, replyComplete: true);

        var next = conversation.Continue("|ua|ahi|uq|a");

        Assert.Equal([Bos, Marker, 'u', 'a', Marker, 'a', 500, 501, Marker, 'u', 'q', Marker, 'a'], Ids(next));
    }

    [Fact]
    public void Continue_FollowUpWithTheReplyChanged_KeepsThePromptUpToItsLastControlToken()
    {
        var conversation = Conversation();
        var prompt = conversation.Continue("|ua|a");
        conversation.Record("|ua|a", prompt, "hi", [(LLamaToken)500, (LLamaToken)501], replyComplete: true);

        var next = conversation.Continue("|ua|aHI|uq|a");

        Assert.Equal([Bos, Marker, 'u', 'a', Marker, 'a', 'H', 'I', Marker, 'u', 'q', Marker, 'a'], Ids(next));
    }

    [Fact]
    public void Continue_ReplyFollowedByTextThatSpellsItselfAlone_KeepsTheReplyAsGenerated()
    {
        // The plain layout: no control token after the reply, "\n\n### Instruction:" tokenizes alone as in the whole text.
        var conversation = Conversation();
        var prompt = conversation.Continue("|ua|a");
        conversation.Record("|ua|a", prompt, "gg", [(LLamaToken)500, (LLamaToken)501], replyComplete: true);

        var next = conversation.Continue("|ua|agg\nq");

        Assert.Equal([Bos, Marker, 'u', 'a', Marker, 'a', 500, 501, '\n', 'q'], Ids(next));
    }

    [Fact]
    public void Continue_TextAfterTheReplyTokenizedWithALoneLeadingSpace_LeavesTheSpaceOut()
    {
        // Sentencepiece puts a space before the text it starts with; alone as a token, it is not part of the prompt.
        var conversation = Conversation(text => [(LLamaToken)600, .. Tokenize(text)]);
        var prompt = conversation.Continue("|ua|a");
        conversation.Record("|ua|a", prompt, "gg", [(LLamaToken)500, (LLamaToken)501], replyComplete: true);

        var next = conversation.Continue("|ua|agg\nq");

        Assert.Equal([Bos, 600, Marker, 'u', 'a', Marker, 'a', 500, 501, '\n', 'q'], Ids(next));
    }

    [Fact]
    public void Continue_TextAfterTheReplyThatDoesNotSpellItselfAlone_DoesNotSplitAfterTheReply()
    {
        // The added space joined the text's first character: those tokens would put a space in the prompt.
        static LLamaToken[] JoinsTheSpace(string text) => text.StartsWith('\n') ? [(LLamaToken)601, .. Tokenize(text[1..])] : Tokenize(text);
        var conversation = Conversation(JoinsTheSpace);
        var prompt = conversation.Continue("|ua|a");
        conversation.Record("|ua|a", prompt, "gg", [(LLamaToken)500, (LLamaToken)501], replyComplete: true);

        var next = conversation.Continue("|ua|agg\nq");

        // From the last control token on, the prompt as tokenized anew (the reply's text, not its generated tokens).
        Assert.Equal([Bos, Marker, 'u', 'a', Marker, 'a', 'g', 'g', '\n', 'q'], Ids(next));
    }

    [Fact]
    public void Continue_ReplyNotAllItsTokensSpell_NoCheckpointAfterIt()
    {
        var conversation = Conversation();
        var prompt = conversation.Continue("|ua|a");
        conversation.Record("|ua|a", prompt, "h", [(LLamaToken)500, (LLamaToken)501], replyComplete: false);

        var next = conversation.Continue("|ua|ah|uq|a");

        Assert.Equal([Bos, Marker, 'u', 'a', Marker, 'a', 'h', Marker, 'u', 'q', Marker, 'a'], Ids(next));
    }

    [Fact]
    public void Continue_AnotherConversation_OnlyTheBeginningOfSequenceKept()
    {
        var conversation = Conversation();
        var prompt = conversation.Continue("|ua|a");
        conversation.Record("|ua|a", prompt, "hi", [(LLamaToken)500], replyComplete: true);

        Assert.Equal([Bos, Marker, 'u', 'b', Marker, 'a'], Ids(conversation.Continue("|ub|a")));
    }

    [Theory]
    [InlineData(0, 995, 64, 0)] // nothing reused: the odd remainder rides with the first chunk
    [InlineData(1346, 1408, 64, 1344)] // 62 new tokens: two reused ones are decoded again, one whole chunk
    [InlineData(1298, 1362, 64, 1298)] // already a whole chunk
    [InlineData(1346, 1376, 64, 1346)] // 30 new tokens: rounding up would decode 34 twice, more than a quarter chunk
    [InlineData(1350, 1400, 64, 1336)] // 50 new: 14 short of a chunk, within a quarter: 14 reused ones again
    [InlineData(10, 60, 64, 10)] // 50 new after 10 reused: 14 would be more than the prefix holds
    [InlineData(1408, 1408, 64, 1408)] // nothing new
    public void AlignedStart_RemainderJustShortOfAChunk_StartsThatManyReusedTokensEarlier(int have, int count, int step, int expected)
    {
        Assert.Equal(expected, ChatRunner.AlignedStart(have, count, step));
    }
}
