namespace LspCopilot.Context;

/// <summary>
/// A gitignore glob compiled to a small automaton and matched by stepping every live state over the
/// path at once, so a match costs at most (path length × pattern length) steps whatever the pattern:
/// no regular expression, no backtracking. <c>*</c> and <c>?</c> and classes stop at <c>/</c>,
/// <c>**</c> crosses it, <c>**/</c> between slashes (or at the start) is zero or more folders,
/// <c>[abc]</c>, <c>[a-z]</c>, <c>[!a-z]</c> and <c>[^a-z]</c> are classes, <c>\x</c> is a literal x.
/// </summary>
internal sealed class GlobPattern
{
    private readonly Node[] _nodes;

    private GlobPattern(Node[] nodes)
    {
        _nodes = nodes;
    }

    /// <summary>
    /// Compiles <paramref name="glob"/>; <paramref name="anyFolderPrefix"/> lets it match after any
    /// leading folders too (a gitignore pattern without an inner slash).
    /// </summary>
    public static GlobPattern Compile(string glob, bool anyFolderPrefix)
    {
        var nodes = new List<Node>();
        if (anyFolderPrefix)
        {
            AddAnyFolders(nodes);
        }

        for (var i = 0; i < glob.Length; i++)
        {
            var c = glob[i];
            switch (c)
            {
                case '*' when i + 1 < glob.Length && glob[i + 1] == '*':
                    var leading = i == 0 || glob[i - 1] == '/';
                    var trailing = i + 2 == glob.Length || glob[i + 2] == '/';
                    i++;
                    if (leading && trailing && i + 1 < glob.Length)
                    {
                        AddAnyFolders(nodes);
                        i++;
                    }
                    else
                    {
                        nodes.Add(new Node(Kind.AnyRun));
                    }

                    break;
                case '*':
                    nodes.Add(new Node(Kind.NameRun));
                    break;
                case '?':
                    nodes.Add(new Node(Kind.NameChar));
                    break;
                case '[' when CharacterClass.TryParse(glob, i, out var set, out var end):
                    nodes.Add(new Node(Kind.Class) { Set = set });
                    i = end;
                    break;
                case '\\' when i + 1 < glob.Length:
                    nodes.Add(new Node(Kind.Literal) { Char = glob[++i] });
                    break;
                default:
                    nodes.Add(new Node(Kind.Literal) { Char = c });
                    break;
            }
        }

        return new GlobPattern([.. nodes]);
    }

    /// <summary>True when the pattern matches the whole of <paramref name="path"/> ('/' separated).</summary>
    public bool IsMatch(string path)
    {
        // States are node indexes; _nodes.Length is the accepting state.
        var stateCount = _nodes.Length + 1;
        Span<bool> current = stateCount <= 128 ? stackalloc bool[stateCount] : new bool[stateCount];
        Span<bool> next = stateCount <= 128 ? stackalloc bool[stateCount] : new bool[stateCount];
        AddWithClosure(current, 0);
        foreach (var c in path)
        {
            next.Clear();
            var any = false;
            for (var state = 0; state < _nodes.Length; state++)
            {
                if (!current[state])
                {
                    continue;
                }

                var node = _nodes[state];
                switch (node.Kind)
                {
                    case Kind.Literal when node.Char == c:
                    case Kind.NameChar when c != '/':
                    case Kind.Class when c != '/' && node.Set!.Contains(c):
                        AddWithClosure(next, state + 1);
                        any = true;
                        break;
                    case Kind.NameRun when c != '/':
                    case Kind.AnyRun:
                        AddWithClosure(next, state);
                        any = true;
                        break;
                }
            }

            if (!any)
            {
                return false;
            }

            var swap = current;
            current = next;
            next = swap;
        }

        return current[_nodes.Length];
    }

    /// <summary>"(any folders/)?": a split that skips the group, a run of anything, then a slash.</summary>
    private static void AddAnyFolders(List<Node> nodes)
    {
        var split = nodes.Count;
        nodes.Add(new Node(Kind.Split) { Skip = split + 3 });
        nodes.Add(new Node(Kind.AnyRun));
        nodes.Add(new Node(Kind.Literal) { Char = '/' });
    }

    /// <summary>Marks <paramref name="state"/> live, with every state reachable from it without reading a character.</summary>
    private void AddWithClosure(Span<bool> states, int state)
    {
        while (state <= _nodes.Length && !states[state])
        {
            states[state] = true;
            if (state == _nodes.Length)
            {
                return;
            }

            var node = _nodes[state];
            switch (node.Kind)
            {
                case Kind.Split:
                    AddWithClosure(states, node.Skip);
                    state++;
                    break;
                case Kind.NameRun or Kind.AnyRun:
                    // Zero characters: the run may be empty.
                    state++;
                    break;
                default:
                    return;
            }
        }
    }

    private enum Kind
    {
        Literal,
        NameChar,
        Class,
        NameRun,
        AnyRun,
        Split,
    }

    private sealed record Node(Kind Kind)
    {
        public char Char { get; init; }

        public CharacterClass? Set { get; init; }

        public int Skip { get; init; }
    }
}
