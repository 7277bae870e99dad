using LspCopilot.Completion.CodeActions;
using Microsoft.CodeAnalysis.Text;

namespace LspCopilot.Completion.Tests.CodeActions;

/// <summary>Proposed code takes the document's line breaks and the replaced span's indentation.</summary>
public sealed class ProposalTextTests
{
    [Fact]
    public void Fit_IndentedSpan_LinesAfterTheFirstTakeItsIndentation()
    {
        var text = SourceText.From("class C\n{\n    void M() { }\n}\n");
        var span = new TextSpan(text.ToString().IndexOf("void", StringComparison.Ordinal), "void M() { }".Length);

        var fitted = ProposalText.Fit("void M()\n{\n    N();\n}\n\n", text, span);

        Assert.Equal("void M()\n    {\n        N();\n    }", fitted);
    }

    [Fact]
    public void Fit_CrLfDocument_CrLfProposal()
    {
        var text = SourceText.From("a\r\n  b\r\n");
        var span = new TextSpan(5, 1);

        Assert.Equal("x\r\n  y", ProposalText.Fit("x\ny", text, span));
    }

    [Fact]
    public void Fit_SpanEndingWithALineBreak_KeepsOne()
    {
        var text = SourceText.From("x = 1\ny = 2\n");

        Assert.Equal("z = 3\n", ProposalText.Fit("z = 3", text, new TextSpan(0, 6)));
    }
}
