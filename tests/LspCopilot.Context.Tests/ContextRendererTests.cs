using LspCopilot.Completion;

namespace LspCopilot.Context.Tests;

public sealed class ContextRendererTests
{
    [Fact]
    public void Render_Comments_EveryLineCommented()
    {
        var text = ContextRenderer.Render(ContextStyle.Comments, "Title:", ["int A()", "first\nsecond"]);

        Assert.Equal("// Title:\n// int A()\n// first\n// second\n", text);
    }

    [Fact]
    public void Render_FileSeparators_QwenRepoFileForm()
    {
        var text = ContextRenderer.Render(ContextStyle.FileSeparators, "Outline.cs", ["class A", "{", "}"]);

        Assert.Equal("<|file_sep|>Outline.cs\nclass A\n{\n}\n", text);
    }

    [Fact]
    public void Fit_ItemsOverBudget_LowestPriorityDroppedOrderKept()
    {
        var draft = new SectionDraft("s", "T", [new ContextItem("aaaa aaaa", 2, 0), new ContextItem("bbbb bbbb", 0, 1), new ContextItem("cccc cccc", 1, 2)]);

        // "// T\n" = 2 tokens, each line "// xxxx xxxx\n" = 4 tokens (chars/4): two lines fit in 10.
        var section = SectionFitter.Fit(draft, 10, ContextStyle.Comments, TokenEstimate.Count);

        Assert.Equal("// T\n// bbbb bbbb\n// cccc cccc\n", section!.Text);
        Assert.True(section.Tokens <= 10);
    }

    [Fact]
    public void Fit_NothingFits_NoSection() =>
        Assert.Null(SectionFitter.Fit(new SectionDraft("s", "Title", [new ContextItem(new string('x', 200), 0, 0)]), 10, ContextStyle.Comments, TokenEstimate.Count));

    [Fact]
    public void ScaledTo_Budget_KeepsTheSplit()
    {
        var scaled = new ContextBudget().ScaledTo(512);

        Assert.Equal(512, scaled.Total);
        Assert.Equal(new ContextBudget().Receiver / 2, scaled.Receiver);
    }
}
