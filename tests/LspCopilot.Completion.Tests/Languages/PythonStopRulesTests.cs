using static LspCopilot.Completion.Tests.Languages.LanguageStopSupport;

namespace LspCopilot.Completion.Tests.Languages;

public sealed class PythonStopRulesTests
{
    private static string Python(string marked, string generated) => Kept("python", "file:///w/app.py", marked, generated);

    [Fact]
    public void Indentation_LineBelowTheCursorsBlock_StopsBeforeIt()
    {
        var kept = Python("def total(items):\n    s = 0\n    $$\n", "for i in items:\n        s += i\n    return s\n\ndef other():\n    pass\n");

        Assert.Equal("for i in items:\n        s += i\n    return s", kept);
    }

    [Fact]
    public void Indentation_BlankLineAtColumnZero_TheFirstLinesIndentationIsTheBlock()
    {
        var kept = Python("def area(r):\n$$", "    return 3.14 * r * r\n\nprint(area(2))\n");

        Assert.Equal("    return 3.14 * r * r", kept);
    }

    [Fact]
    public void Indentation_BlankLinesInsideTheBlock_AreKept()
    {
        var kept = Python("class A:\n    $$", "def f(self):\n        return 1\n\n    def g(self):\n        return 2\nx = A()\n");

        Assert.Equal("def f(self):\n        return 1\n\n    def g(self):\n        return 2", kept);
    }

    [Fact]
    public void Brackets_AutoClosedParenthesesRightOfTheCursor_AreNotClosedAgain()
    {
        Assert.Equal("a, b", Python("print(compute($$))", "a, b))"));
    }

    [Fact]
    public void Brackets_ParenthesisInAStringOrComment_DoesNotCount()
    {
        Assert.Equal("'a)', 'b'] # )", Python("x = [$$", "'a)', 'b'] # )"));
    }

    [Fact]
    public void Brackets_LaterLineClosesACallOpenedBeforeTheCursor_StopsAtTheLineBefore()
    {
        var kept = Python("result = compute(\n    1,\n    $$\n)\n", "2,\n    3,\n)\nprint(result)");

        Assert.Equal("2,\n    3,", kept);
    }

    [Fact]
    public void Plan_BlankLine_MultiLineWithBothRules()
    {
        var plan = Plan("python", "file:///w/app.py", "def f():\n    $$");

        Assert.Equal(CompletionMode.MultiLine, plan.Mode);
        var chain = Assert.IsType<LspCopilot.Completion.Languages.StopperChain>(plan.Stopper);
        Assert.Equal(2, chain.Stoppers.Count);
    }
}
