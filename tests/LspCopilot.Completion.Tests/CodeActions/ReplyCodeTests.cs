using LspCopilot.Completion.CodeActions;

namespace LspCopilot.Completion.Tests.CodeActions;

/// <summary>Code from a chat reply: the fenced block in the document's language first, never prose, never thinking.</summary>
public sealed class ReplyCodeTests
{
    [Fact]
    public void Extract_FencedBlockAmidProse_TheBlocksCode()
    {
        var code = ReplyCode.Extract("Sure! Here you go:\n\n```csharp\nreturn a + b;\n```\n\nThat is shorter.", "csharp", null);

        Assert.Equal("return a + b;", code);
    }

    [Fact]
    public void Extract_BlocksInSeveralLanguages_PrefersTheDocumentsLanguage()
    {
        var reply = "Run it with:\n```bash\ndotnet run\n```\nThe code:\n```cs\nConsole.WriteLine(1);\n```\n```csharp\nConsole.WriteLine(2);\n```";

        Assert.Equal("Console.WriteLine(1);", ReplyCode.Extract(reply, "csharp", null));
    }

    [Fact]
    public void Extract_NoBlockInTheLanguage_TheFirstBlock()
    {
        var reply = "```\nx = 1\n```\n```js\nlet y = 2;\n```";

        Assert.Equal("x = 1", ReplyCode.Extract(reply, "python", null));
    }

    [Fact]
    public void Extract_TildeFenceAndLongerBacktickFence_Read()
    {
        Assert.Equal("a\n```\nb", ReplyCode.Extract("````md\na\n```\nb\n````", "markdown", null));
        Assert.Equal("print(1)", ReplyCode.Extract("~~~python\nprint(1)\n~~~", "python", null));
    }

    [Fact]
    public void Extract_ThinkBlockWithCode_NeverReachesTheResult()
    {
        var reply = "<think>\nFirst try:\n```csharp\nreturn 0;\n```\n</think>\nThe answer:\n```csharp\nreturn a + b;\n```";

        Assert.Equal("return a + b;", ReplyCode.Extract(reply, "csharp", null));
    }

    [Fact]
    public void Extract_UnclosedThinkBlock_IsAllThinking_SoNoCode()
    {
        var error = Assert.Throws<CodeActionException>(() => ReplyCode.Extract("<think>\n```csharp\nreturn 0;\n```\nstill thinking", "csharp", _ => true));

        Assert.Contains("reasoning", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Extract_UnfencedReplyThatParsesAsTheTarget_TheWholeReply()
    {
        Assert.Equal("return a + b;", ReplyCode.Extract("  return a + b;\n", "csharp", text => text == "return a + b;"));
    }

    [Fact]
    public void Extract_ProseOnly_ErrorQuotesTheFirstLine()
    {
        var error = Assert.Throws<CodeActionException>(() => ReplyCode.Extract("\n\nThis code is fine as it is.\nI would not change it.", "csharp", _ => false));

        Assert.Contains("\"This code is fine as it is.\"", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Extract_ProseInALanguageTheServerCannotParse_NeverTakenAsCode()
    {
        Assert.Throws<CodeActionException>(() => ReplyCode.Extract("x = 1", "python", null));
    }

    [Fact]
    public void Extract_ReplyCutOffInsideItsBlock_ErrorSaysSo()
    {
        var error = Assert.Throws<CodeActionException>(() => ReplyCode.Extract("Here:\n```csharp\nreturn a +", "csharp", _ => true));

        Assert.Contains("cut off", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Extract_EmptyReply_ErrorSaysItWasEmpty()
    {
        var error = Assert.Throws<CodeActionException>(() => ReplyCode.Extract("  \n", "csharp", _ => true));

        Assert.Contains("empty", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("cs", "csharp", true)]
    [InlineData("C#", "csharp", true)]
    [InlineData("py", "python", true)]
    [InlineData("tsx", "typescriptreact", true)]
    [InlineData("js", "csharp", false)]
    [InlineData("", "csharp", false)]
    [InlineData("lua", "lua", true)]
    public void IsLanguage_AliasesOfTheLanguageId(string fence, string languageId, bool expected) =>
        Assert.Equal(expected, ReplyCode.IsLanguage(fence, languageId));
}
