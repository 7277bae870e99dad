using LspCopilot.Server.Documents;
using LspCopilot.Server.Protocol;
using Microsoft.CodeAnalysis.Text;

namespace LspCopilot.Server.Tests.Documents;

public sealed class ConversionsTests
{
    [Fact]
    public void CharacterPastEndOfLine_ClampedToLineEnd()
    {
        var text = SourceText.From("abc\ndef\n");

        Assert.Equal(3, Conversions.ToOffset(text, new Position(0, 99)));
    }

    [Fact]
    public void LinePastEndOfFile_Refused()
    {
        var text = SourceText.From("abc\n");

        Assert.False(Conversions.TryToOffset(text, new Position(5, 0), out _, out var error));
        Assert.Contains("past the end", error, StringComparison.Ordinal);
    }

    [Fact]
    public void ColumnInsideSurrogatePair_SnapsToCharacterStart()
    {
        var text = SourceText.From("a𐐀b");

        Assert.Equal(1, Conversions.ToOffset(text, new Position(0, 2)));
        Assert.Equal(3, Conversions.ToOffset(text, new Position(0, 3)));
    }

    [Fact]
    public void PositionBetweenCrAndLf_IsEndOfLine()
    {
        var text = SourceText.From("ab\r\ncd");

        Assert.Equal(2, Conversions.ToOffset(text, new Position(0, 3)));
        Assert.Equal(4, Conversions.ToOffset(text, new Position(1, 0)));
    }

    [Fact]
    public void LoneCarriageReturn_IsALineBreak()
    {
        var text = SourceText.From("ab\rcd");

        Assert.Equal(3, Conversions.ToOffset(text, new Position(1, 0)));
    }

    [Fact]
    public void OffsetToPositionToOffset_RoundTripsOverEveryCodePoint()
    {
        var text = SourceText.From("a𐐀b\r\né中文\rx\n\n😀z");
        for (var offset = 0; offset <= text.Length; offset++)
        {
            if (offset > 0 && offset < text.Length && char.IsLowSurrogate(text[offset]))
            {
                continue;
            }

            if (offset > 0 && offset < text.Length && text[offset - 1] == '\r' && text[offset] == '\n')
            {
                continue;
            }

            var position = Conversions.ToPosition(text, offset);
            Assert.Equal(offset, Conversions.ToOffset(text, position));
        }
    }

    [Fact]
    public void UnicodeLineSeparators_AreCharactersNotLineBreaks()
    {
        // U+2028, U+2029 and U+0085 end a line for Roslyn's SourceText.Lines, never for LSP.
        var text = SourceText.From("a\u2028b\u2029c\u0085d\ne");

        Assert.Equal(8, Conversions.ToOffset(text, new Position(1, 0)));
        Assert.Equal(new Position(0, 6), Conversions.ToPosition(text, 6));
        Assert.Equal(new Position(1, 1), Conversions.ToPosition(text, 9));
        Assert.Equal(7, Conversions.ToOffset(text, new Position(0, 99)));
        Assert.False(Conversions.TryToOffset(text, new Position(2, 0), out _, out _));
    }

    [Fact]
    public void LoneSurrogate_IsOneCharacter()
    {
        var text = SourceText.From("a\ud800b\udc00c");

        Assert.Equal(2, Conversions.ToOffset(text, new Position(0, 2)));
        Assert.Equal(4, Conversions.ToOffset(text, new Position(0, 4)));
    }

    [Fact]
    public void NegativePosition_Refused()
    {
        Assert.False(Conversions.TryToOffset(SourceText.From("x"), new Position(0, -1), out _, out _));
    }
}
