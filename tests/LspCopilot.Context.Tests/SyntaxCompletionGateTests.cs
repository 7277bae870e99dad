using LspCopilot.Completion;
using LspCopilot.TestSupport;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;

namespace LspCopilot.Context.Tests;

public sealed class SyntaxCompletionGateTests
{
    private static GateDecision? Decide(string textWithCaret)
    {
        var offset = textWithCaret.IndexOf(TempWorkspace.Caret, StringComparison.Ordinal);
        var text = SourceText.From(textWithCaret.Remove(offset, TempWorkspace.Caret.Length));
        var root = CSharpSyntaxTree.ParseText(text, cancellationToken: TestContext.Current.CancellationToken).GetRoot(TestContext.Current.CancellationToken);
        return SyntaxCompletionGate.Decide(root, text, offset);
    }

    private const string Method = """
        class C
        {
            void M(int count)
            {
        BODY
            }
        }
        """;

    private static string InMethod(string body) => Method.Replace("BODY", body, StringComparison.Ordinal);

    [Fact]
    public void Decide_InsideWordContinuingRight_Declines() =>
        Assert.Null(Decide(InMethod("        var va$$lue = 1;")));

    [Fact]
    public void Decide_EmptyLineInBlock_MultiLine() =>
        Assert.Equal(new GateDecision(CompletionMode.MultiLine, CursorPlace.Code, false), Decide(InMethod("        var a = 1;\n        $$\n        var b = 2;")));

    [Fact]
    public void Decide_AfterOpenBraceAtLineEnd_MultiLineAfterBrace() =>
        Assert.Equal(new GateDecision(CompletionMode.MultiLine, CursorPlace.Code, true), Decide(InMethod("        if (count > 0) {$$")));

    [Fact]
    public void Decide_InsideArgumentList_SingleLine() =>
        Assert.Equal(new GateDecision(CompletionMode.SingleLine, CursorPlace.Code, false), Decide(InMethod("        System.Math.Max(count, $$);")));

    [Fact]
    public void Decide_EmptyLineInsideMultiLineArgumentList_SingleLine() =>
        Assert.Equal(CompletionMode.SingleLine, Decide(InMethod("        System.Math.Max(\n            count,\n            $$\n        );"))?.Mode);

    [Fact]
    public void Decide_EmptyLineInTypeBody_MultiLine() =>
        Assert.Equal(CompletionMode.MultiLine, Decide("class C\n{\n    int _a;\n    $$\n}\n")?.Mode);

    [Fact]
    public void Decide_BeforeCodeOnItsLine_Declines() =>
        Assert.Null(Decide(InMethod("        $$var a = 1;")));

    [Fact]
    public void Decide_InLineComment_SingleLineComment() =>
        Assert.Equal(new GateDecision(CompletionMode.SingleLine, CursorPlace.Comment, false), Decide(InMethod("        // count the $$")));

    [Fact]
    public void Decide_InDocComment_SingleLineComment() =>
        Assert.Equal(CursorPlace.Comment, Decide("class C\n{\n    /// <summary>Counts the $$\n    void M() { }\n}\n")?.Place);

    [Fact]
    public void Decide_InStringLiteral_SingleLineString() =>
        Assert.Equal(new GateDecision(CompletionMode.SingleLine, CursorPlace.String, false), Decide(InMethod("        var s = \"Hello $$\";")));

    [Fact]
    public void Decide_InDisabledCode_Declines() =>
        Assert.Null(Decide("#if NEVER_DEFINED\nclass Hidden { $$ }\n#endif\n"));

    [Fact]
    public void Decide_InCharacterLiteral_Declines() =>
        Assert.Null(Decide(InMethod("        var c = 'a$$';")));

    [Fact]
    public void Decide_AfterDotMidStatement_SingleLine() =>
        Assert.Equal(new GateDecision(CompletionMode.SingleLine, CursorPlace.Code, false), Decide(InMethod("        count.$$")));
}
