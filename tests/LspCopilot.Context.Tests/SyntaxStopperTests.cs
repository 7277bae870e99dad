using LspCopilot.Completion;
using LspCopilot.TestSupport;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;

namespace LspCopilot.Context.Tests;

public sealed class SyntaxStopperTests
{
    private const string Method = """
        class C
        {
            void Run(System.Action a) { }

            int M(int count)
            {
        BODY
                return count;
            }
        }
        """;

    /// <summary>Feeds <paramref name="generated"/> one character at a time, as the engine streams, and returns the kept text (all of it when no stop).</summary>
    private static string Stream(string body, string generated)
    {
        var textWithCaret = Method.Replace("BODY", body, StringComparison.Ordinal);
        var offset = textWithCaret.IndexOf(TempWorkspace.Caret, StringComparison.Ordinal);
        var text = SourceText.From(textWithCaret.Remove(offset, TempWorkspace.Caret.Length));
        var tree = CSharpSyntaxTree.ParseText(text, cancellationToken: TestContext.Current.CancellationToken);
        var gate = SyntaxCompletionGate.Decide(tree.GetRoot(TestContext.Current.CancellationToken), text, offset);
        Assert.NotNull(gate);
        var stopper = SyntaxStopper.Create(tree, text, offset, gate);
        Assert.NotNull(stopper);
        for (var i = 1; i <= generated.Length; i++)
        {
            if (stopper.FindStop(generated[..i]) is int keep)
            {
                return generated[..keep];
            }
        }

        return generated;
    }

    [Fact]
    public void FindStop_StatementClosesOnItsLine_StopsAfterSemicolon() =>
        Assert.Equal("1, 2);", Stream("        var x = System.Math.Max($$", "1, 2); var y = 3;"));

    [Fact]
    public void FindStop_CloserAlreadyRightOfCursor_StopsBeforeIt() =>
        Assert.Equal("count, 2", Stream("        var x = System.Math.Max($$);", "count, 2);"));

    [Fact]
    public void FindStop_SemicolonInsideLambdaBody_DoesNotStop() =>
        Assert.Equal("() => { count++; });", Stream("        Run($$", "() => { count++; }); count--;"));

    [Fact]
    public void FindStop_SemicolonInsideString_DoesNotStop() =>
        Assert.Equal("\"a;b\";", Stream("        var s = $$", "\"a;b\"; var t = 1;"));

    [Fact]
    public void FindStop_EmptyLineInBlock_StopsAfterFirstStatement() =>
        Assert.Equal("count += 2;", Stream("        $$", "count += 2;\n        count *= 3;\n"));

    [Fact]
    public void FindStop_CompoundStatement_StopsAfterItsBlockWhenNoElseFollows() =>
        Assert.Equal("if (count > 1)\n        {\n            count--;\n        }", Stream("        $$", "if (count > 1)\n        {\n            count--;\n        }\n        count++;\n"));

    [Fact]
    public void FindStop_IfFollowedByElse_KeepsTheElse() =>
        Assert.Equal("if (count > 1)\n        {\n            count--;\n        }\n        else\n        {\n            count++;\n        }", Stream("        $$", "if (count > 1)\n        {\n            count--;\n        }\n        else\n        {\n            count++;\n        }\n        count = 0;\n"));

    [Fact]
    public void FindStop_AfterOpenBraceAlreadyClosed_StopsBeforeTheClosingBrace() =>
        Assert.Equal("\n            count--;\n            count--;", Stream("        if (count > 1) {$$\n        }", "\n            count--;\n            count--;\n        }\n        count++;"));

    [Fact]
    public void FindStop_AfterOpenBraceNotClosed_KeepsTheClosingBrace() =>
        Assert.Equal("\n            count--;\n        }", Stream("        if (count > 1) {$$", "\n            count--;\n        }\n        count++;"));

    [Fact]
    public void FindStop_BlockAroundCursorCloses_StopsBeforeThatLine() =>
        Assert.Equal("count++", Stream("        $$", "count++\n    }\n    void N() { }"));

    [Fact]
    public void FindStop_LineRepeatsTheDocument_StopsBeforeIt() =>
        Assert.Equal("\n            count = 2;", Stream("        if (count > 1) {$$\n            return count;\n        }", "\n            count = 2;\n            return count;\n"));

    [Fact]
    public void Clean_ClosingBraceEqualToNextLine_Kept()
    {
        var textWithCaret = "class C\n{\n    $$\n}\n";
        var offset = textWithCaret.IndexOf(TempWorkspace.Caret, StringComparison.Ordinal);
        var text = SourceText.From(textWithCaret.Remove(offset, 2));
        var tree = CSharpSyntaxTree.ParseText(text, cancellationToken: TestContext.Current.CancellationToken);
        var gate = SyntaxCompletionGate.Decide(tree.GetRoot(TestContext.Current.CancellationToken), text, offset)!;
        var cleaner = (ISuggestionCleaner)SyntaxStopper.Create(tree, text, offset, gate)!;

        Assert.Equal("void A()\n    {\n    }", cleaner.Clean("void A()\n    {\n    }\n  ", "\n}\n", gate.Mode));
    }

    [Fact]
    public void Clean_TailRepeatsRestOfLine_Dropped()
    {
        var textWithCaret = "class C { int M() => System.Math.Max(1, $$); }";
        var offset = textWithCaret.IndexOf(TempWorkspace.Caret, StringComparison.Ordinal);
        var text = SourceText.From(textWithCaret.Remove(offset, 2));
        var tree = CSharpSyntaxTree.ParseText(text, cancellationToken: TestContext.Current.CancellationToken);
        var gate = SyntaxCompletionGate.Decide(tree.GetRoot(TestContext.Current.CancellationToken), text, offset)!;
        var cleaner = (ISuggestionCleaner)SyntaxStopper.Create(tree, text, offset, gate)!;

        Assert.Equal("2", cleaner.Clean("2); }", "); }", gate.Mode));
    }

    [Fact]
    public void Create_InComment_NoStopper()
    {
        var text = SourceText.From("class C { } // note ");
        var tree = CSharpSyntaxTree.ParseText(text, cancellationToken: TestContext.Current.CancellationToken);
        var gate = SyntaxCompletionGate.Decide(tree.GetRoot(TestContext.Current.CancellationToken), text, text.Length);
        Assert.Equal(CursorPlace.Comment, gate?.Place);
        Assert.Null(SyntaxStopper.Create(tree, text, text.Length, gate!));
    }

    [Fact]
    public void FindStop_MemberInTypeBody_StopsAfterTheMember()
    {
        var textWithCaret = "class C\n{\n    int _a;\n    $$\n}\n";
        var offset = textWithCaret.IndexOf(TempWorkspace.Caret, StringComparison.Ordinal);
        var text = SourceText.From(textWithCaret.Remove(offset, 2));
        var tree = CSharpSyntaxTree.ParseText(text, cancellationToken: TestContext.Current.CancellationToken);
        var gate = SyntaxCompletionGate.Decide(tree.GetRoot(TestContext.Current.CancellationToken), text, offset)!;
        Assert.Equal(CompletionMode.MultiLine, gate.Mode);
        var stopper = SyntaxStopper.Create(tree, text, offset, gate)!;
        const string Generated = "public int A()\n    {\n        return _a;\n    }\n\n    public int B() => 2;\n";
        int? keep = null;
        for (var i = 1; i <= Generated.Length && keep is null; i++)
        {
            keep = stopper.FindStop(Generated[..i]);
        }

        Assert.Equal("public int A()\n    {\n        return _a;\n    }", Generated[..keep!.Value]);
    }
}
