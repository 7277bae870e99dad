using LspCopilot.Server.Protocol;
using Microsoft.CodeAnalysis.Text;

namespace LspCopilot.Server.Documents;

/// <summary>
/// Every LSP position (UTF-16 line/character) ↔ text offset conversion lives here. Lines are LSP's
/// (<see cref="LspLineIndex"/>: only \n, \r\n and \r end one), never <see cref="SourceText.Lines"/>.
/// The overloads without an index use the one attached to the text.
/// </summary>
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

    public static bool TryToOffset(SourceText text, Position position, out int offset, out string? error) =>
        TryToOffset(text, LspLineIndex.Of(text), position, out offset, out error);

    public static bool TryToOffset(SourceText text, LspLineIndex lines, Position position, out int offset, out string? error)
    {
        offset = 0;
        if (position.Line < 0 || position.Character < 0)
        {
            error = $"Position {position.Line}:{position.Character} is negative.";
            return false;
        }

        if (position.Line >= lines.LineCount)
        {
            error = $"Line {position.Line} is past the end of the document ({lines.LineCount} lines).";
            return false;
        }

        var start = lines.LineStart(position.Line);
        var end = lines.LineEnd(text, position.Line);
        offset = start + Math.Min(position.Character, end - start);
        if (offset > start && offset < end && char.IsLowSurrogate(text[offset]) && char.IsHighSurrogate(text[offset - 1]))
        {
            offset--;
        }

        error = null;
        return true;
    }

    /// <summary>The position of an offset; an offset inside a line break (between \r and \n) is its line's end.</summary>
    public static Position ToPosition(SourceText text, int offset) => ToPosition(text, LspLineIndex.Of(text), offset);

    public static Position ToPosition(SourceText text, LspLineIndex lines, int offset)
    {
        var line = lines.LineOf(offset);
        var start = lines.LineStart(line);
        return new Position(line, Math.Min(offset, lines.LineEnd(text, line)) - start);
    }

    public static bool TryToSpan(SourceText text, Protocol.Range range, out TextSpan span, out string? error) =>
        TryToSpan(text, LspLineIndex.Of(text), range, out span, out error);

    public static bool TryToSpan(SourceText text, LspLineIndex lines, Protocol.Range range, out TextSpan span, out string? error)
    {
        span = default;
        if (!TryToOffset(text, lines, range.Start, out var start, out error) || !TryToOffset(text, lines, range.End, out var end, out error))
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
