using LspCopilot.Server.Documents;
using Microsoft.CodeAnalysis.Text;

namespace LspCopilot.Server.Tests.Documents;

public sealed class LspLineIndexTests
{
    [Theory]
    [InlineData("")]
    [InlineData("\r")]
    [InlineData("a\r\nb\rc\nd\u2028e")]
    [InlineData("\r\r\n\n\r")]
    public void Scan_StartsLinesAfterCrLfCrAndLfOnly(string text)
    {
        var index = LspLineIndex.Scan(SourceText.From(text));

        Assert.Equal(ExpectedStarts(text), Enumerable.Range(0, index.LineCount).Select(index.LineStart));
    }

    [Theory]
    [InlineData("\r\n")]
    [InlineData("\rx")]
    [InlineData("\r\r")]
    [InlineData("\n")]
    public void Scan_LineBreakAcrossTheReadBuffersEdge_CountedOnce(string lineBreak)
    {
        // The scan reads 64K characters at a time: put the line break's first character last in the first read.
        var text = new string('a', (64 * 1024) - 1) + lineBreak + "tail";

        var index = LspLineIndex.Scan(SourceText.From(text));

        Assert.Equal(ExpectedStarts(text), Enumerable.Range(0, index.LineCount).Select(index.LineStart));
    }

    [Fact]
    public void WithChange_JoiningAndSplittingCrLf_MatchesAFreshScan()
    {
        var text = SourceText.From("a\r\nb\rc");
        var index = LspLineIndex.Of(text);

        // Insert "\n" after the lone \r (joins a \r\n), then "x" between \r and \n of the first (splits it).
        var joined = text.WithChanges(new TextChange(new TextSpan(5, 0), "\n"));
        var joinedIndex = index.WithChange(joined, new TextSpan(5, 0), "\n");
        var split = joined.WithChanges(new TextChange(new TextSpan(2, 0), "x"));
        var splitIndex = joinedIndex.WithChange(split, new TextSpan(2, 0), "x");

        Assert.Equal(ExpectedStarts(joined.ToString()), Enumerable.Range(0, joinedIndex.LineCount).Select(joinedIndex.LineStart));
        Assert.Equal(ExpectedStarts(split.ToString()), Enumerable.Range(0, splitIndex.LineCount).Select(splitIndex.LineStart));
    }

    private static List<int> ExpectedStarts(string text)
    {
        var starts = new List<int> { 0 };
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\n' || (text[i] == '\r' && (i + 1 == text.Length || text[i + 1] != '\n')))
            {
                starts.Add(i + 1);
            }
        }

        return starts;
    }
}
