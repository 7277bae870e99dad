using LspCopilot.Server.Protocol;
using Microsoft.CodeAnalysis.Text;

namespace LspCopilot.Server.Documents;

/// <summary>Every LSP position (UTF-16 line/character) ↔ SourceText offset conversion lives here.</summary>
public static class Conversions
{
    /// <summary>
    /// Offset of an LSP position for reading: a character past the end of its line is clamped to the
    /// line end; a position inside a surrogate pair snaps to the pair's start; a line past the
    /// end of the document is an error.
    /// </summary>
    public static int ToOffset(SourceText text, Position position)
    {
        if (!TryToOffset(text, position, out var offset, out var error))
        {
            throw new PositionOutOfRangeException(error!);
        }

        return offset;
    }

    public static bool TryToOffset(SourceText text, Position position, out int offset, out string? error)
    {
        offset = 0;
        if (position.Line < 0 || position.Character < 0)
        {
            error = $"Position {position.Line}:{position.Character} is negative.";
            return false;
        }

        if (position.Line >= text.Lines.Count)
        {
            error = $"Line {position.Line} is past the end of the document ({text.Lines.Count} lines).";
            return false;
        }

        var line = text.Lines[position.Line];
        var character = Math.Min(position.Character, line.End - line.Start);
        offset = line.Start + character;
        if (offset > line.Start && offset < line.End && char.IsLowSurrogate(text[offset]) && char.IsHighSurrogate(text[offset - 1]))
        {
            offset--;
        }

        error = null;
        return true;
    }

    public static Position ToPosition(SourceText text, int offset)
    {
        var line = text.Lines.GetLineFromPosition(offset);
        return new Position(line.LineNumber, Math.Min(offset, line.End) - line.Start);
    }

    public static bool TryToSpan(SourceText text, Protocol.Range range, out TextSpan span, out string? error)
    {
        span = default;
        if (!TryToOffset(text, range.Start, out var start, out error) || !TryToOffset(text, range.End, out var end, out error))
        {
            return false;
        }

        if (end < start)
        {
            error = $"Range end {range.End.Line}:{range.End.Character} is before its start {range.Start.Line}:{range.Start.Character}.";
            return false;
        }

        span = TextSpan.FromBounds(start, end);
        return true;
    }

    public static Protocol.Range ToRange(SourceText text, TextSpan span) =>
        new(ToPosition(text, span.Start), ToPosition(text, span.End));
}

public sealed class PositionOutOfRangeException : Exception
{
    public PositionOutOfRangeException(string message)
        : base(message)
    {
    }

    public PositionOutOfRangeException()
    {
    }

    public PositionOutOfRangeException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
