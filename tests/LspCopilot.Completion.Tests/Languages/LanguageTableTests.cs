using LspCopilot.Completion.Languages;
using static LspCopilot.Completion.Tests.Languages.LanguageStopSupport;

namespace LspCopilot.Completion.Tests.Languages;

public sealed class LanguageTableTests
{
    [Theory]
    [InlineData("python", "file:///a", BlockSyntax.Indentation)]
    [InlineData("typescriptreact", "file:///a", BlockSyntax.Brackets)]
    [InlineData("", "file:///w/main.go", BlockSyntax.Brackets)]
    [InlineData("unknown-id", "file:///w/settings.YAML", BlockSyntax.Indentation)]
    public void For_KnownByIdOrExtension_ReturnsItsBlockSyntax(string languageId, string uri, BlockSyntax expected)
    {
        Assert.Equal(expected, LanguageTable.For(languageId, uri)?.Blocks);
    }

    [Theory]
    [InlineData("plaintext", "file:///notes.txt")]
    [InlineData("markdown", "file:///README.md")]
    [InlineData("", "file:///Makefile")]
    [InlineData("cobol-ish", "untitled:Untitled-1")]
    public void For_NoStopRule_ReturnsNull(string languageId, string uri)
    {
        Assert.Null(LanguageTable.For(languageId, uri));
    }

    [Fact]
    public void Plan_LanguageWithoutStopRuleOnABlankLine_SafeSingleLineDefault()
    {
        var plan = Plan("markdown", "file:///README.md", "# Title\n\n$$");

        Assert.Equal(CompletionMode.SingleLine, plan.Mode);
        Assert.Null(plan.Stopper);
    }

    [Fact]
    public void Plan_KnownLanguageAfterCode_SingleLineWithTheBracketRule()
    {
        var plan = Plan("go", "file:///w/main.go", "x := f($$");

        Assert.Equal(CompletionMode.SingleLine, plan.Mode);
        Assert.IsType<BracketBalanceStopper>(plan.Stopper);
    }
}
