using LspCopilot.Completion.CodeActions;

namespace LspCopilot.Completion.Tests.CodeActions;

/// <summary>A diff as small edits: unchanged lines stay untouched, each change is trimmed to what differs.</summary>
public sealed class LineDiffTests
{
    [Fact]
    public void Edits_OneLineChangedInTheMiddle_OneEditOfThatLinesDifference()
    {
        var before = "a\nb\nint x = 1;\nc\nd\n";
        var after = "a\nb\nint x = 2;\nc\nd\n";

        var edit = Assert.Single(LineDiff.Edits(before, after));

        Assert.Equal("1", before.Substring(edit.Span.Start, edit.Span.Length));
        Assert.Equal("2", edit.NewText);
    }

    [Fact]
    public void Edits_TwoChangesWithUnchangedLinesBetween_TwoEdits_UnchangedLinesUntouched()
    {
        var before = "one\ntwo\nthree\nfour\nfive\n";
        var after = "ONE\ntwo\nthree\nfour\nFIVE\n";

        var edits = LineDiff.Edits(before, after);

        Assert.Equal(2, edits.Count);
        Assert.All(edits, e => Assert.DoesNotContain("three", before.Substring(e.Span.Start, e.Span.Length), StringComparison.Ordinal));
        Assert.Equal(after, Apply(before, edits));
    }

    [Fact]
    public void Edits_LinesInsertedAndRemoved_ApplyToTheNewText()
    {
        var before = "{\n    var total = 0;\n    foreach (var v in values)\n    {\n        total += v;\n    }\n\n    return total;\n}\n";
        var after = "{\n    return values.Sum();\n}\n";

        var edits = LineDiff.Edits(before, after);

        Assert.Equal(after, Apply(before, edits));
        Assert.All(edits, e => Assert.True(e.Span.Start >= 2, "The first line is unchanged."));
    }

    [Fact]
    public void Edits_CrLfText_NeverSplitsALineBreak()
    {
        var before = "a\r\nb\r\nc\r\n";
        var after = "a\r\nB\r\nc\r\n";

        var edits = LineDiff.Edits(before, after);

        Assert.Equal(after, Apply(before, edits));
        Assert.All(edits, e => Assert.NotEqual('\n', before[e.Span.Start]));
    }

    [Fact]
    public void Edits_SameText_None() => Assert.Empty(LineDiff.Edits("x\n", "x\n"));

    [Fact]
    public void Edits_RegionPastTheTableBound_OneEditThatStillApplies()
    {
        var before = string.Concat(Enumerable.Range(0, 1200).Select(i => $"line {i}\n"));
        var after = string.Concat(Enumerable.Range(0, 1200).Select(i => i % 2 == 0 ? $"line {i}\n" : $"LINE {i}\n"));

        var edits = LineDiff.Edits(before, after);

        Assert.Single(edits);
        Assert.Equal(after, Apply(before, edits));
    }

    [Fact]
    public void Edits_RandomLineEdits_AlwaysApplyToTheNewText()
    {
        var random = new Random(7);
        string[] pool = ["a", "b", "c", "{", "}", "", "    x();", "\r"];
        for (var round = 0; round < 300; round++)
        {
            var before = string.Join('\n', Enumerable.Range(0, random.Next(0, 12)).Select(_ => pool[random.Next(pool.Length)]));
            var after = string.Join('\n', Enumerable.Range(0, random.Next(0, 12)).Select(_ => pool[random.Next(pool.Length)]));

            Assert.Equal(after, Apply(before, LineDiff.Edits(before, after)));
        }
    }

    private static string Apply(string text, IReadOnlyList<TextReplacement> edits)
    {
        foreach (var edit in edits.OrderByDescending(e => e.Span.Start))
        {
            text = text[..edit.Span.Start] + edit.NewText + text[edit.Span.End..];
        }

        return text;
    }
}
