using System.Buffers;
using Microsoft.CodeAnalysis.Text;

namespace LspCopilot.Context;

/// <summary>
/// The changes between two texts. <see cref="SourceText.GetChangeRanges"/> knows them while the chain of
/// edits between the texts is alive; once the garbage collector breaks it, it answers "everything
/// changed", and comparing the common prefix and suffix finds the one range that did.
/// </summary>
public static class TextDiff
{
    private const int Chunk = 4096;

    public static IReadOnlyList<TextChangeRange> Changes(SourceText before, SourceText after)
    {
        var ranges = after.GetChangeRanges(before);
        if (ranges.Count == 1 && ranges[0].Span.Start == 0 && ranges[0].Span.Length == before.Length && before.Length > 0)
        {
            return [Compare(before, after)];
        }

        return ranges;
    }

    /// <summary>One range covering every difference: what lies between the common prefix and the common suffix.</summary>
    public static TextChangeRange Compare(SourceText before, SourceText after)
    {
        var max = Math.Min(before.Length, after.Length);
        var prefix = CommonLength(before, after, max, fromEnd: false);
        var suffix = CommonLength(before, after, max - prefix, fromEnd: true);
        return new TextChangeRange(TextSpan.FromBounds(prefix, before.Length - suffix), after.Length - suffix - prefix);
    }

    private static int CommonLength(SourceText a, SourceText b, int max, bool fromEnd)
    {
        var left = ArrayPool<char>.Shared.Rent(Chunk);
        var right = ArrayPool<char>.Shared.Rent(Chunk);
        try
        {
            var done = 0;
            while (done < max)
            {
                var count = Math.Min(Chunk, max - done);
                var aStart = fromEnd ? a.Length - done - count : done;
                var bStart = fromEnd ? b.Length - done - count : done;
                a.CopyTo(aStart, left, 0, count);
                b.CopyTo(bStart, right, 0, count);
                var l = left.AsSpan(0, count);
                var r = right.AsSpan(0, count);
                if (fromEnd)
                {
                    var same = CommonSuffix(l, r);
                    done += same;
                    if (same < count)
                    {
                        break;
                    }
                }
                else
                {
                    var same = l.CommonPrefixLength(r);
                    done += same;
                    if (same < count)
                    {
                        break;
                    }
                }
            }

            return done;
        }
        finally
        {
            ArrayPool<char>.Shared.Return(left);
            ArrayPool<char>.Shared.Return(right);
        }
    }

    private static int CommonSuffix(ReadOnlySpan<char> a, ReadOnlySpan<char> b)
    {
        var i = 0;
        while (i < a.Length && a[a.Length - 1 - i] == b[b.Length - 1 - i])
        {
            i++;
        }

        return i;
    }
}
