using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis.Text;

namespace LspCopilot.Server.Documents;

/// <summary>
/// Where each line of a text starts by LSP's rules: only <c>\n</c>, <c>\r\n</c> and <c>\r</c> end a
/// line. Roslyn's <see cref="SourceText.Lines"/> also breaks at U+2028, U+2029 and U+0085 (as C# does),
/// so it must never map a position the editor sent or one we send back. One index is kept per text:
/// <see cref="DocumentStore"/> attaches it as each edit is applied (updated from the previous one, not
/// rescanned), so a request finds it ready.
/// </summary>
public sealed class LspLineIndex
{
    private static readonly ConditionalWeakTable<SourceText, LspLineIndex> s_attached = new();

    private readonly int[] _starts;

    private LspLineIndex(int[] starts, int length)
    {
        _starts = starts;
        Length = length;
    }

    /// <summary>The length of the text indexed.</summary>
    public int Length { get; }

    public int LineCount => _starts.Length;

    /// <summary>The index of <paramref name="text"/>: the one attached to it, else built (once) from a scan.</summary>
    public static LspLineIndex Of(SourceText text) => s_attached.GetValue(text, static t => Scan(t));

    /// <summary>Keeps <paramref name="index"/> as the index of <paramref name="text"/> for as long as the text lives.</summary>
    public static void Attach(SourceText text, LspLineIndex index)
    {
        if (index.Length != text.Length)
        {
            throw new ArgumentException($"The index is of a text of {index.Length} characters, not {text.Length}.", nameof(index));
        }

        s_attached.AddOrUpdate(text, index);
    }

    public static LspLineIndex Scan(SourceText text)
    {
        var starts = new List<int> { 0 };
        var buffer = new char[Math.Min(text.Length, 64 * 1024)];
        var pendingCr = false; // a \r ended the previous chunk: the next character decides
        for (var chunk = 0; chunk < text.Length; chunk += buffer.Length)
        {
            var count = Math.Min(buffer.Length, text.Length - chunk);
            text.CopyTo(chunk, buffer, 0, count);
            var span = buffer.AsSpan(0, count);
            if (pendingCr && span[0] != '\n')
            {
                starts.Add(chunk);
            }

            pendingCr = false;
            for (var i = 0; ; i++)
            {
                var next = span[i..].IndexOfAny('\r', '\n');
                if (next < 0)
                {
                    break;
                }

                i += next;
                if (span[i] == '\n')
                {
                    starts.Add(chunk + i + 1);
                }
                else if (i + 1 == count)
                {
                    pendingCr = true;
                }
                else if (span[i + 1] != '\n')
                {
                    starts.Add(chunk + i + 1);
                }
            }
        }

        if (pendingCr)
        {
            starts.Add(text.Length);
        }

        return new LspLineIndex([.. starts], text.Length);
    }

    /// <summary>
    /// The index of <paramref name="newText"/>, which is this index's text with <paramref name="span"/>
    /// replaced by <paramref name="inserted"/>: starts before the edit are kept, those after it shifted,
    /// and only the inserted text and its two neighbours are read.
    /// </summary>
    public LspLineIndex WithChange(SourceText newText, TextSpan span, string inserted)
    {
        var delta = inserted.Length - span.Length;
        if (newText.Length != Length + delta)
        {
            throw new ArgumentException($"A text of {Length} characters with {span} replaced by {inserted.Length} characters is not {newText.Length} long.", nameof(newText));
        }

        // Whether a line starts at p depends on the characters at p - 1 and p. Both are unchanged for
        // p < a (kept) and for p > a + n (shifted: old p > b); only a <= p <= a + n is read again.
        var (a, b, n) = (span.Start, span.End, inserted.Length);
        var keptBefore = Math.Max(1, FirstStartAtOrAfter(a)); // line 0 starts at 0 whatever the edit
        var keptAfter = FirstStartAtOrAfter(b + 1);
        var middle = new List<int>();
        for (var p = Math.Max(a, 1); p <= a + n; p++)
        {
            if (StartsLine(CharAt(p - 1), p == newText.Length ? null : CharAt(p)))
            {
                middle.Add(p);
            }
        }

        var starts = new int[keptBefore + middle.Count + (_starts.Length - keptAfter)];
        Array.Copy(_starts, starts, keptBefore);
        middle.CopyTo(starts, keptBefore);
        for (int i = keptAfter, j = keptBefore + middle.Count; i < _starts.Length; i++, j++)
        {
            starts[j] = _starts[i] + delta;
        }

        return new LspLineIndex(starts, newText.Length);

        char CharAt(int p) => p >= a && p < a + n ? inserted[p - a] : newText[p];
    }

    public int LineStart(int line) => _starts[line];

    /// <summary>The end of the line's text, before its line break.</summary>
    public int LineEnd(SourceText text, int line)
    {
        if (line + 1 >= _starts.Length)
        {
            return Length;
        }

        var next = _starts[line + 1];
        return text[next - 1] == '\n' && next - 2 >= _starts[line] && text[next - 2] == '\r' ? next - 2 : next - 1;
    }

    /// <summary>The line holding <paramref name="offset"/> (a line break belongs to the line it ends).</summary>
    public int LineOf(int offset)
    {
        var found = Array.BinarySearch(_starts, offset);
        return found >= 0 ? found : ~found - 1;
    }

    private static bool StartsLine(char before, char? at) => before == '\n' || (before == '\r' && at != '\n');

    /// <summary>The index of the first line start at or after <paramref name="offset"/>.</summary>
    private int FirstStartAtOrAfter(int offset)
    {
        var found = Array.BinarySearch(_starts, offset);
        return found >= 0 ? found : ~found;
    }
}
