using Microsoft.CodeAnalysis.Text;
using static LspCopilot.Completion.Tests.Languages.LanguageStopSupport;

namespace LspCopilot.Completion.Tests.Languages;

public sealed class SuggestionModeTests
{
    private static DocumentSnapshot Doc(string languageId, string uri, string text) => new(uri, languageId, 1, SourceText.From(text));

    [Theory]
    [InlineData("auto", SuggestionMode.Auto)]
    [InlineData("singleLine", SuggestionMode.SingleLine)]
    [InlineData("MULTILINE", SuggestionMode.MultiLine)]
    [InlineData("sometimes", null)]
    [InlineData(null, null)]
    public void Parse_SettingValue_TheModeOrNull(string? value, SuggestionMode? expected)
    {
        Assert.Equal(expected, SuggestionModes.Parse(value));
    }

    [Fact]
    public void Apply_SingleLineOnABlankLine_OneLine()
    {
        const string Text = "def f():\n    ";
        var plan = Plan("python", "file:///a.py", Text + "$$");

        var applied = SuggestionModes.Apply(SuggestionMode.SingleLine, plan, Doc("python", "file:///a.py", Text), Text.Length);

        Assert.Equal(CompletionMode.SingleLine, applied.Mode);
    }

    [Fact]
    public void Apply_MultiLineAfterCode_SeveralLinesWithTheBlockRule()
    {
        const string Text = "function f(a) {\n  if (a) {";
        var plan = Plan("javascript", "file:///a.js", Text + "$$");

        var applied = SuggestionModes.Apply(SuggestionMode.MultiLine, plan, Doc("javascript", "file:///a.js", Text), Text.Length);

        Assert.Equal(CompletionMode.MultiLine, applied.Mode);
        // The document leaves the block open: the suggestion closes it and ends there.
        const string Generated = "\n    g();\n  }\n  h();\n";
        Assert.Equal("\n    g();\n  }", Generated[..Kept(applied.Stopper!, Generated)]);
    }

    private static int Kept(ICompletionStopper stopper, string generated)
    {
        for (var i = 1; i <= generated.Length; i++)
        {
            if (stopper.FindStop(generated[..i]) is int keep)
            {
                return keep;
            }
        }

        return generated.Length;
    }

    [Fact]
    public void Apply_MultiLineInALanguageWithoutStopRules_StaysOneLine()
    {
        const string Text = "Some notes";
        var plan = Plan("plaintext", "file:///a.txt", Text + "$$");

        Assert.Equal(CompletionMode.SingleLine, SuggestionModes.Apply(SuggestionMode.MultiLine, plan, Doc("plaintext", "file:///a.txt", Text), Text.Length).Mode);
    }
}
