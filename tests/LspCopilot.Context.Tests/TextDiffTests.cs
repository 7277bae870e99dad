using Microsoft.CodeAnalysis.Text;

namespace LspCopilot.Context.Tests;

public sealed class TextDiffTests
{
    [Fact]
    public void Changes_TextsWithoutAnEditChain_TheRangeBetweenCommonPrefixAndSuffix()
    {
        var before = SourceText.From(new string('a', 5000) + "OLD" + new string('z', 7000));
        var after = SourceText.From(new string('a', 5000) + "NEWER" + new string('z', 7000));

        var change = Assert.Single(TextDiff.Changes(before, after));

        Assert.Equal(TextSpan.FromBounds(5000, 5003), change.Span);
        Assert.Equal(5, change.NewLength);
    }

    [Fact]
    public void Changes_EditChainAlive_TheEditsThemselves()
    {
        var before = SourceText.From("0123456789");
        var after = before.WithChanges(new TextChange(new TextSpan(2, 1), "xx")).WithChanges(new TextChange(new TextSpan(8, 0), "y"));

        var changes = TextDiff.Changes(before, after);

        Assert.Equal(after.ToString(), before.WithChanges(changes.Select(c => new TextChange(c.Span, after.ToString(new TextSpan(c.Span.Start + Shift(changes, c), c.NewLength))))).ToString());
    }

    [Fact]
    public void Compare_IdenticalTexts_EmptyRange()
    {
        var change = TextDiff.Compare(SourceText.From("same"), SourceText.From("same"));

        Assert.Equal(0, change.Span.Length);
        Assert.Equal(0, change.NewLength);
    }

    private static int Shift(IReadOnlyList<TextChangeRange> changes, TextChangeRange upTo) =>
        changes.TakeWhile(c => c != upTo).Sum(c => c.NewLength - c.Span.Length);
}
