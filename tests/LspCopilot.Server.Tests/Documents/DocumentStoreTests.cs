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
    public void RandomIncrementalEdits_MatchFullTextMirror()
    {
        var random = new Random(1234);
        string[] alphabet = ["a", "b", "\n", "\r", " ", "é", "𐐀", "{", "}", ";"];
        var mirror = new StringBuilder("start\r\nline two\nthree é\n");
        var store = Open(mirror.ToString());
        for (var version = 2; version < 600; version++)
        {
            var text = store.Get(Uri)!.Text;
            var a = random.Next(text.Length + 1);
            var b = Math.Min(text.Length, a + random.Next(4));
            var start = Conversions.ToPosition(text, a);
            var end = Conversions.ToPosition(text, b);

            // Positions that a client could not produce (inside \r\n or a surrogate pair) are skipped.
            if (Conversions.ToOffset(text, start) != a || Conversions.ToOffset(text, end) != b)
            {
                continue;
            }

            var insert = string.Concat(Enumerable.Range(0, random.Next(3)).Select(_ => alphabet[random.Next(alphabet.Length)]));

            Assert.True(store.Change(new VersionedTextDocumentIdentifier(Uri, version), [new TextDocumentContentChangeEvent(insert, new Range(start, end))]));
            mirror.Remove(a, b - a).Insert(a, insert);
            Assert.Equal(mirror.ToString(), store.Get(Uri)!.Text.ToString());
        }
    }
}
