using System.Text;
using LspCopilot.Completion;
using LspCopilot.Server.Documents;
using LspCopilot.Server.Protocol;
using Range = LspCopilot.Server.Protocol.Range;

namespace LspCopilot.Server.Tests.Documents;

public sealed class DocumentStoreTests
{
    private const string Uri = "file:///a.cs";

    private static DocumentStore Open(string text)
    {
        var store = new DocumentStore(ServerLog.Silent);
        store.Open(new TextDocumentItem(Uri, "csharp", 1, text));
        return store;
    }

    private static TextDocumentContentChangeEvent Edit(int l1, int c1, int l2, int c2, string text) =>
        new(text, new Range(new Position(l1, c1), new Position(l2, c2)));

    [Fact]
    public void Change_IncrementalEdit_Applied()
    {
        var store = Open("hello world\n");

        Assert.True(store.Change(new VersionedTextDocumentIdentifier(Uri, 2), [Edit(0, 6, 0, 11, "there")]));

        Assert.Equal("hello there\n", store.Get(Uri)!.Text.ToString());
        Assert.Equal(2, store.Get(Uri)!.Version);
    }

    [Fact]
    public void ReversedRange_RejectedTextAndVersionKept_MarkedDivergent()
    {
        var store = Open("hello world\n");

        Assert.False(store.Change(new VersionedTextDocumentIdentifier(Uri, 2), [Edit(0, 5, 0, 1, "x")]));

        var doc = store.Get(Uri)!;
        Assert.Equal("hello world\n", doc.Text.ToString());
        Assert.Equal(1, doc.Version);
        Assert.True(doc.Divergent);
    }

    [Fact]
    public void OutOfBoundsLine_RejectedAndEarlierChangesInSameNotificationNotApplied()
    {
        var store = Open("one\ntwo\n");

        Assert.False(store.Change(new VersionedTextDocumentIdentifier(Uri, 2), [Edit(0, 0, 0, 0, "X"), Edit(9, 0, 9, 1, "y")]));

        Assert.Equal("one\ntwo\n", store.Get(Uri)!.Text.ToString());
    }

    [Fact]
    public void Change_ThousandsOfKeystrokes_TextNoLongerReachesBackToTheOpenedText()
    {
        // Roslyn keeps a record of every edit between a text and any earlier text still alive; the
        // opened text stays alive inside its successors, so without a fresh copy now and then the
        // records of a day's typing are never freed.
        var store = Open("class C\n{\n    void M()\n    {\n        \n    }\n}\n");
        var opened = store.Get(Uri)!.Text;
        var expected = new StringBuilder(opened.ToString());
        var edits = (DocumentStore.EditsPerText * 2) + 10;
        var (line, column, offset) = (4, 8, expected.ToString().IndexOf("        \n", StringComparison.Ordinal) + 8);
        Microsoft.CodeAnalysis.Text.SourceText? beforeLast = null;
        for (var i = 0; i < edits; i++)
        {
            // Typing in M's body, a new line every 40 keys.
            var inserted = i % 40 == 39 ? "\n        " : "x";
            beforeLast = store.Get(Uri)!.Text;
            Assert.True(store.Change(new VersionedTextDocumentIdentifier(Uri, i + 2), [Edit(line, column, line, column, inserted)]));
            expected.Insert(offset, inserted);
            offset += inserted.Length;
            (line, column) = inserted == "x" ? (line, column + 1) : (line + 1, 8);
        }

        var text = store.Get(Uri)!.Text;
        Assert.Equal(expected.ToString(), text.ToString());
        var sinceOpened = text.GetChangeRanges(opened);
        Assert.Single(sinceOpened);
        Assert.Equal(opened.Length, sinceOpened[0].Span.Length);

        // Between keystrokes the change is still known exactly, so Roslyn reparses incrementally.
        var lastEdit = text.GetChangeRanges(beforeLast!);
        Assert.Single(lastEdit);
        Assert.Equal(0, lastEdit[0].Span.Length);
        Assert.Equal(1, lastEdit[0].NewLength);
    }

    [Fact]
    public void FullTextChange_ResyncsDivergentDocument()
    {
        var store = Open("abc");
        store.Change(new VersionedTextDocumentIdentifier(Uri, 2), [Edit(3, 0, 0, 0, "bad")]);

        Assert.True(store.Change(new VersionedTextDocumentIdentifier(Uri, 3), [new TextDocumentContentChangeEvent("fresh")]));

        Assert.Equal("fresh", store.Get(Uri)!.Text.ToString());
        Assert.False(store.Get(Uri)!.Divergent);
    }

    [Fact]
    public void SeveralChanges_AppliedInOrder()
    {
        var store = Open("abc");

        store.Change(new VersionedTextDocumentIdentifier(Uri, 2), [Edit(0, 3, 0, 3, "d"), Edit(0, 0, 0, 1, "A"), Edit(0, 4, 0, 4, "!")]);

        Assert.Equal("Abcd!", store.Get(Uri)!.Text.ToString());
    }

    [Fact]
    public void NonIncreasingVersion_NotApplied()
    {
        var store = Open("abc");

        Assert.False(store.Change(new VersionedTextDocumentIdentifier(Uri, 1), [Edit(0, 0, 0, 0, "x")]));

        Assert.Equal("abc", store.Get(Uri)!.Text.ToString());
    }

    [Fact]
    public void ChangeBeforeOpen_OpenTwice_CloseUnknown_NoCrash()
    {
        var store = new DocumentStore(ServerLog.Silent);

        Assert.False(store.Change(new VersionedTextDocumentIdentifier(Uri, 1), [Edit(0, 0, 0, 0, "x")]));
        store.Open(new TextDocumentItem(Uri, "csharp", 1, "a"));
        store.Open(new TextDocumentItem(Uri, "csharp", 1, "b"));
        store.Close("file:///never-opened.cs");

        Assert.Equal("b", store.Get(Uri)!.Text.ToString());
    }

    [Fact]
    public void IncrementalEdit_AfterUnicodeLineSeparators_AppliedWhereTheEditorMeantIt()
    {
        var store = Open("x\u2028y\u2029z\u0085w\nlast");

        Assert.True(store.Change(new VersionedTextDocumentIdentifier(Uri, 2), [Edit(1, 0, 1, 4, "LAST"), Edit(0, 2, 0, 3, "Y")]));

        Assert.Equal("x\u2028Y\u2029z\u0085w\nLAST", store.Get(Uri)!.Text.ToString());
    }

    [Fact]
    public void Open_PastTheSessionBound_RefusedAndTheUserTold_OthersKeepTheirText()
    {
        var told = new List<string>();
        var store = new DocumentStore(ServerLog.Silent, budget: DocumentBudget.ForSession(new DocumentLimits(SessionBytes: 1000, ServerBytes: 4000)), tellUser: told.Add);

        Assert.True(store.Open(new TextDocumentItem("file:///a.txt", "plaintext", 1, new string('a', 200))));
        Assert.True(store.Open(new TextDocumentItem("file:///b.txt", "plaintext", 1, new string('b', 200))));
        Assert.False(store.Open(new TextDocumentItem("file:///c.txt", "plaintext", 1, new string('c', 200))));

        var message = Assert.Single(told);
        Assert.Contains("c.txt", message, StringComparison.Ordinal);
        Assert.Contains(DocumentLimits.SessionOption, message, StringComparison.Ordinal);
        Assert.Equal(new string('a', 200), store.Get("file:///a.txt")!.Text.ToString());
        Assert.Equal(new string('b', 200), store.Get("file:///b.txt")!.Text.ToString());
        Assert.True(store.Get("file:///c.txt")!.Divergent);
        Assert.Equal(0, store.Get("file:///c.txt")!.Text.Length);
    }

    [Fact]
    public void Close_GivesItsShareBack_TheNextOpenFits()
    {
        var budget = DocumentBudget.ForSession(new DocumentLimits(SessionBytes: 1000, ServerBytes: 4000));
        var store = new DocumentStore(ServerLog.Silent, budget: budget);
        store.Open(new TextDocumentItem("file:///a.txt", "plaintext", 1, new string('a', 300)));
        Assert.False(store.Open(new TextDocumentItem("file:///b.txt", "plaintext", 1, new string('b', 300))));

        store.Close("file:///a.txt");
        store.Close("file:///b.txt");

        Assert.Equal(0, budget.Used);
        Assert.True(store.Open(new TextDocumentItem("file:///b.txt", "plaintext", 2, new string('b', 300))));
        Assert.Equal(600, budget.Used);
    }

    [Fact]
    public void Change_GrowingPastTheBound_TextDroppedAndTheUserTold_NeverPartlyApplied()
    {
        var told = new List<string>();
        var budget = DocumentBudget.ForSession(new DocumentLimits(SessionBytes: 1000, ServerBytes: 4000));
        var store = new DocumentStore(ServerLog.Silent, budget: budget, tellUser: told.Add);
        store.Open(new TextDocumentItem(Uri, "csharp", 1, "small"));

        Assert.False(store.Change(new VersionedTextDocumentIdentifier(Uri, 2), [Edit(0, 5, 0, 5, new string('x', 600))]));

        var doc = store.Get(Uri)!;
        Assert.True(doc.Divergent);
        Assert.Equal(0, doc.Text.Length);
        Assert.Equal(0, budget.Used);
        Assert.Contains("a.cs", Assert.Single(told), StringComparison.Ordinal);

        // Later edits cannot apply to text that is not held; a full text that fits brings it back.
        Assert.False(store.Change(new VersionedTextDocumentIdentifier(Uri, 3), [Edit(0, 0, 0, 0, "y")]));
        Assert.True(store.Change(new VersionedTextDocumentIdentifier(Uri, 4), [new TextDocumentContentChangeEvent("fits")]));
        Assert.Equal("fits", store.Get(Uri)!.Text.ToString());
        Assert.False(store.Get(Uri)!.Divergent);
        Assert.Equal(8, budget.Used);
    }

    [Fact]
    public void ServerBound_SharedBySessions_ASessionThatEndsGivesItsShareBack()
    {
        var limits = new DocumentLimits(SessionBytes: 1000, ServerBytes: 1000);
        var server = DocumentBudget.ForServer(limits);
        var told = new List<string>();
        var first = new DocumentStore(ServerLog.Silent, "s1", DocumentBudget.ForSession(limits, server));
        var second = new DocumentStore(ServerLog.Silent, "s2", DocumentBudget.ForSession(limits, server), told.Add);
        first.Open(new TextDocumentItem("file:///a.txt", "plaintext", 1, new string('a', 400)));

        Assert.False(second.Open(new TextDocumentItem("file:///b.txt", "plaintext", 1, new string('b', 200))));
        Assert.Contains(DocumentLimits.ServerOption, Assert.Single(told), StringComparison.Ordinal);

        first.Dispose();

        Assert.Equal(0, server.Used);
        Assert.True(second.Open(new TextDocumentItem("file:///b.txt", "plaintext", 2, new string('b', 200))));
    }

    /// <summary>
    /// A seeded editor makes random edits — several per notification at times — to a text full of line
    /// breaks of every kind and surrogate pairs, computing each range with <see cref="LspReference"/>; after
    /// each notification the store's text must equal the editor's, and every offset and position must
    /// convert as the reference says.
    /// </summary>
    [Fact]
    public void RandomIncrementalEdits_MatchFullTextMirror()
    {
        var random = new Random(1234);
        string[] alphabet = ["a", "b", " ", "{", "}", ";", "é", "\n", "\r", "\r\n", "\u2028", "\u2029", "\u0085", "😀", "𐐀"];
        var mirror = new StringBuilder("start\r\nline two\u2028still two\nthree é\r😀\u0085x\u2029\n");
        var store = Open(mirror.ToString());
        var version = 1;
        var (checks, disagreements, first) = (0, 0, (string?)null);
        for (var edits = 0; edits < 2000;)
        {
            var changes = new List<TextDocumentContentChangeEvent>();
            for (var n = random.Next(1, 4); changes.Count < n;)
            {
                var text = mirror.ToString();
                var lines = LspReference.Lines(text);
                var a = random.Next(text.Length + 1);
                var b = Math.Min(text.Length, a + random.Next(5));

                // The editor cannot address a point inside \r\n or inside a surrogate pair.
                if (!LspReference.IsAddressable(text, lines, a) || !LspReference.IsAddressable(text, lines, b))
                {
                    continue;
                }

                var insert = string.Concat(Enumerable.Range(0, random.Next(5)).Select(_ => alphabet[random.Next(alphabet.Length)]));
                changes.Add(new TextDocumentContentChangeEvent(insert, new Range(LspReference.ToPosition(lines, a), LspReference.ToPosition(lines, b))));
                mirror.Remove(a, b - a).Insert(a, insert);
            }

            Assert.True(store.Change(new VersionedTextDocumentIdentifier(Uri, ++version), changes));
            edits += changes.Count;
            var expected = mirror.ToString();
            var actual = store.Get(Uri)!.Text;
            Assert.Equal(expected, actual.ToString());

            var expectedLines = LspReference.Lines(expected);
            for (var offset = 0; offset <= expected.Length; offset++)
            {
                Check(LspReference.ToPosition(expectedLines, offset), Conversions.ToPosition(actual, offset), $"offset {offset}");
            }

            for (var line = 0; line <= expectedLines.Count; line++)
            {
                var length = line < expectedLines.Count ? expectedLines[line].End - expectedLines[line].Start : 0;
                for (var character = 0; character <= length + 2; character++)
                {
                    var position = new Position(line, character);
                    Check(LspReference.ToOffset(expected, expectedLines, position), Conversions.TryToOffset(actual, position, out var offset, out _) ? offset : null, $"position {line}:{character}");
                }
            }
        }

        Assert.True(disagreements == 0, $"{disagreements} of {checks} position checks disagreed with LSP's line rules; the first: {first}");

        void Check<T>(T expected, T actual, string what)
        {
            checks++;
            if (!EqualityComparer<T>.Default.Equals(expected, actual))
            {
                disagreements++;
                first ??= $"{what}: expected {expected}, got {actual}";
            }
        }
    }

    /// <summary>LSP's line rules by the plainest scan there is: \r\n, \n and \r end a line, nothing else does.</summary>
    private static class LspReference
    {
        /// <summary>Each line's start and the end of its text (before its line break).</summary>
        public static List<(int Start, int End)> Lines(string text)
        {
            var lines = new List<(int Start, int End)>();
            var start = 0;
            for (var i = 0; i < text.Length; i++)
            {
                if (text[i] == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
                {
                    lines.Add((start, i));
                    start = i + 2;
                    i++;
                }
                else if (text[i] is '\r' or '\n')
                {
                    lines.Add((start, i));
                    start = i + 1;
                }
            }

            lines.Add((start, text.Length));
            return lines;
        }

        /// <summary>The line the offset is on; inside a line break, the end of that line.</summary>
        public static Position ToPosition(List<(int Start, int End)> lines, int offset)
        {
            var line = lines.FindLastIndex(l => l.Start <= offset);
            return new Position(line, Math.Min(offset, lines[line].End) - lines[line].Start);
        }

        /// <summary>Null past the last line; a character past the line end is the line end; inside a surrogate pair, the pair's start.</summary>
        public static int? ToOffset(string text, List<(int Start, int End)> lines, Position position)
        {
            if (position.Line >= lines.Count)
            {
                return null;
            }

            var (start, end) = lines[position.Line];
            var offset = start + Math.Min(position.Character, end - start);
            return offset > start && offset < end && char.IsHighSurrogate(text[offset - 1]) && char.IsLowSurrogate(text[offset]) ? offset - 1 : offset;
        }

        public static bool IsAddressable(string text, List<(int Start, int End)> lines, int offset) =>
            ToOffset(text, lines, ToPosition(lines, offset)) == offset;
    }
}
