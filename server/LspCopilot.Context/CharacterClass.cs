namespace LspCopilot.Context;

/// <summary>A bracket expression of a glob: single characters and ranges, possibly negated.</summary>
internal sealed class CharacterClass
{
    private readonly List<(char From, char To)> _ranges;
    private readonly bool _negated;

    private CharacterClass(List<(char From, char To)> ranges, bool negated)
    {
        _ranges = ranges;
        _negated = negated;
    }

    public bool Contains(char c)
    {
        var inside = false;
        foreach (var (from, to) in _ranges)
        {
            if (c >= from && c <= to)
            {
                inside = true;
                break;
            }
        }

        return inside != _negated;
    }

    /// <summary>
    /// Parses the class opening at <paramref name="open"/>; false (a literal '[') when it never
    /// closes. A ']' right after '[' or '[!' is a member, as in git.
    /// </summary>
    public static bool TryParse(string glob, int open, out CharacterClass set, out int close)
    {
        set = null!;
        close = -1;
        var i = open + 1;
        var negated = i < glob.Length && (glob[i] == '!' || glob[i] == '^');
        if (negated)
        {
            i++;
        }

        var ranges = new List<(char, char)>();
        var first = true;
        while (i < glob.Length && (glob[i] != ']' || first))
        {
            first = false;
            var from = glob[i];
            if (from == '\\' && i + 1 < glob.Length)
            {
                from = glob[++i];
            }

            i++;
            if (i + 1 < glob.Length && glob[i] == '-' && glob[i + 1] != ']')
            {
                var to = glob[i + 1];
                if (to == '\\' && i + 2 < glob.Length)
                {
                    to = glob[i + 2];
                    i++;
                }

                i += 2;
                if (from <= to)
                {
                    ranges.Add((from, to));
                }

                continue;
            }

            ranges.Add((from, from));
        }

        if (i >= glob.Length)
        {
            return false;
        }

        close = i;
        set = new CharacterClass(ranges, negated);
        return true;
    }
}
