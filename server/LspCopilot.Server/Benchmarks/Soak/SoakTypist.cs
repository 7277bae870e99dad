using LspCopilot.Server.Protocol;

namespace LspCopilot.Server.Benchmarks.Soak;

/// <summary>One keystroke as the editor sends it: an incremental change (a range in the text before it) and where the cursor is after it.</summary>
internal sealed record Keystroke(Protocol.Range Range, string Text, Position Cursor);

/// <summary>
/// Types into a document as a developer does, keeping the editor's copy of the text: one character of a
/// statement per keystroke, a newline with the body's indentation at the end of each statement, and,
/// once a body holds <see cref="StatementsPerBody"/> new statements, one ranged change that deletes
/// what was typed there, after which typing moves on to the next spot. The file so stays a realistic
/// size and returns to its first text after every round.
/// </summary>
internal sealed class SoakTypist(string text, IReadOnlyList<int> spots, IReadOnlyList<string> statements)
{
    public const int StatementsPerBody = 5;

    private const string Indent = "        ";

    private string _text = text;
    private int _spot;
    private int _cursor = spots[0];
    private int _statement;
    private int _typedInStatement;
    private int _statementsHere;

    public string Text => _text;

    public Position Cursor => PositionOf(_cursor);

    public Keystroke Next()
    {
        if (_statementsHere == StatementsPerBody)
        {
            // Delete everything typed in this body; the next keystroke goes to the next one.
            var start = spots[_spot];
            var range = new Protocol.Range(PositionOf(start), PositionOf(_cursor));
            _text = _text.Remove(start, _cursor - start);
            _cursor = start;
            _statementsHere = -1;
            return new Keystroke(range, string.Empty, PositionOf(_cursor));
        }

        if (_statementsHere < 0)
        {
            // The cursor moves to the next body (a click): its first keystroke is typed there.
            _spot = (_spot + 1) % spots.Count;
            _cursor = spots[_spot];
            _statementsHere = 0;
        }

        var statement = statements[_statement];
        var inserted = _typedInStatement < statement.Length ? statement[_typedInStatement].ToString() : "\n" + Indent;
        var at = PositionOf(_cursor);
        _text = _text.Insert(_cursor, inserted);
        _cursor += inserted.Length;
        if (_typedInStatement < statement.Length)
        {
            _typedInStatement++;
        }
        else
        {
            _typedInStatement = 0;
            _statement = (_statement + 1) % statements.Count;
            _statementsHere++;
        }

        return new Keystroke(new Protocol.Range(at, at), inserted, PositionOf(_cursor));
    }

    /// <summary>The LSP position of an offset (UTF-16 columns; the text has only '\n' line breaks).</summary>
    private Position PositionOf(int offset)
    {
        var line = 0;
        var lineStart = 0;
        for (var i = 0; i < offset; i++)
        {
            if (_text[i] == '\n')
            {
                line++;
                lineStart = i + 1;
            }
        }

        return new Position(line, offset - lineStart);
    }
}
