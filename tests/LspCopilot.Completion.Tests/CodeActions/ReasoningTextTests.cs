using LspCopilot.Completion.CodeActions;

namespace LspCopilot.Completion.Tests.CodeActions;

/// <summary>Thinking is separated from the answer, also while the reply still streams.</summary>
public sealed class ReasoningTextTests
{
    [Fact]
    public void Split_ThinkBlockFirst_AnswerAfterIt()
    {
        var (answer, reasoning) = ReasoningText.Split("<think>\nweigh it\n</think>\n\nThe answer.");

        Assert.Equal("The answer.", answer);
        Assert.Equal("weigh it", reasoning);
    }

    [Fact]
    public void Split_NoThinking_TheTextAndNoReasoning()
    {
        Assert.Equal(("Plain.", null), ReasoningText.Split("Plain."));
    }

    [Fact]
    public void Split_UnclosedBlockWhileStreaming_ThinkingToTheEnd()
    {
        var (answer, reasoning) = ReasoningText.Split("<think>still going");

        Assert.Equal(string.Empty, answer);
        Assert.Equal("still going", reasoning);
    }

    [Fact]
    public void Split_CloseWithoutOpen_EverythingBeforeItIsThinking()
    {
        // Templates that open the block in the prompt (DeepSeek-R1 distills) stream only the close.
        var (answer, reasoning) = ReasoningText.Split("the prompt opened it\n</think>\nAnswer.");

        Assert.Equal("Answer.", answer);
        Assert.Equal("the prompt opened it", reasoning);
    }

    [Theory]
    [InlineData("<thinking>a</thinking>b")]
    [InlineData("<REASONING>a</REASONING>b")]
    [InlineData("<think>a</think>b<think>c")]
    public void Split_OtherTagsAndCase_FoldedToo(string text) =>
        Assert.Equal("b", ReasoningText.Split(text).Answer);
}
