using Microsoft.CodeAnalysis.Text;

namespace LspCopilot.Completion.Tests;

public sealed class RecentSnippetsTests
{
    private static string Numbered(string what, int lines) =>
        string.Concat(Enumerable.Range(0, lines).Select(i => $"{what}_{i} = compute_{i}(value);\n"));

    private static DocumentSnapshot Doc(string uri, SourceText text, int version = 1) => new(uri, "python", version, text);

    [Fact]
    public void OnDocumentChanged_EditInTheMiddle_NewestChunkIsTheLinesAroundTheEdit()
    {
        var recent = new RecentSnippets();
        var text = SourceText.From(Numbered("line", 100));
        recent.OnDocumentChanged("file:///a.py", Doc("file:///a.py", text));

        var at = text.Lines[60].Start;
        recent.OnDocumentChanged("file:///a.py", Doc("file:///a.py", text.WithChanges(new TextChange(new TextSpan(at, 0), "edited_here = 1\n")), 2));

        var newest = recent.Chunks[0];
        Assert.Equal(60 - RecentSnippets.ChunkLines / 2, newest.StartLine);
        Assert.Equal(RecentSnippets.ChunkLines - 1, newest.EndLine - newest.StartLine);
        Assert.Contains("edited_here = 1\n", newest.Text, StringComparison.Ordinal);
        Assert.StartsWith("line_0 ", recent.Chunks[1].Text, StringComparison.Ordinal);
    }

    [Fact]
    public void OnDocumentChanged_TypingInOnePlace_KeepsOneChunkOfIt()
    {
        var recent = new RecentSnippets();
        var text = SourceText.From(Numbered("line", 100));
        recent.OnDocumentChanged("file:///a.py", Doc("file:///a.py", text));

        var typed = 0;
        foreach (var c in "typed")
        {
            var at = text.Lines[50].Start + typed++;
            text = text.WithChanges(new TextChange(new TextSpan(at, 0), c.ToString()));
            recent.OnDocumentChanged("file:///a.py", Doc("file:///a.py", text));
        }

        Assert.Equal(2, recent.Chunks.Count);
        Assert.Contains("typedline_50", recent.Chunks[0].Text, StringComparison.Ordinal);
    }

    [Fact]
    public void OnDocumentChanged_MoreDocumentsThanTheRingHolds_OldestGoFirst()
    {
        var recent = new RecentSnippets();
        for (var i = 0; i < RecentSnippets.Capacity + 4; i++)
        {
            recent.OnDocumentChanged($"file:///f{i}.py", Doc($"file:///f{i}.py", SourceText.From(Numbered($"v{i}", 20))));
        }

        Assert.Equal(RecentSnippets.Capacity, recent.Chunks.Count);
        Assert.Equal($"file:///f{RecentSnippets.Capacity + 3}.py", recent.Chunks[0].Uri);
        Assert.DoesNotContain(recent.Chunks, c => c.Uri is "file:///f0.py" or "file:///f3.py");
        Assert.Contains(recent.Chunks, c => c.Uri == "file:///f4.py");
    }

    [Fact]
    public void Similar_RanksByIdentifierOverlapAndLeavesOutUnrelatedCode()
    {
        var recent = new RecentSnippets();
        recent.OnDocumentChanged("file:///stock.py", Doc("file:///stock.py", SourceText.From("def restock_cost(warehouse, product_id, quantity):\n    price = warehouse.price_of(product_id)\n    return price * quantity\n")));
        recent.OnDocumentChanged("file:///music.py", Doc("file:///music.py", SourceText.From("def play(song, volume):\n    speaker.set(volume)\n    speaker.stream(song)\n")));
        recent.OnDocumentChanged("file:///partial.py", Doc("file:///partial.py", SourceText.From("def weigh(product_id, scale):\n    return scale.read(product_id)\n")));

        var similar = recent.Similar("def order_total(warehouse, product_id, quantity):\n    price = ", "file:///orders.py", string.Empty, 4);

        Assert.Equal(["file:///stock.py", "file:///partial.py"], similar.Select(c => c.Uri));
    }

    [Fact]
    public void Similar_ACopyOfTheWindowUnderAnotherNameOrAnEarlierStateOfIt_IsLeftOut_OtherCodeStays()
    {
        const string Window = "def restock_cost(warehouse, product_id, quantity):\n    price = warehouse.price_of(product_id)\n    tax = price * 0.2\n    return price * quantity\n";
        var recent = new RecentSnippets();
        recent.OnDocumentChanged("file:///copy.py", Doc("file:///copy.py", SourceText.From(Window.Replace("tax = price * 0.2", "tax = 0", StringComparison.Ordinal))));
        recent.OnDocumentChanged("file:///other.py", Doc("file:///other.py", SourceText.From("def restock_all(warehouse, quantity):\n    for product_id in warehouse.products:\n        warehouse.order(product_id, quantity)\n")));

        var similar = recent.Similar("def restock_cost(warehouse, product_id, quantity):\n    price = ", "file:///stock.py", Window, 4);

        Assert.Equal(["file:///other.py"], similar.Select(c => c.Uri));
    }

    [Fact]
    public void Similar_ChunkOfTheSameDocumentInTheWindow_IsNotSentTwice()
    {
        var recent = new RecentSnippets();
        const string Code = "def restock_cost(warehouse, product_id, quantity):\n    price = warehouse.price_of(product_id)\n";
        recent.OnDocumentChanged("file:///stock.py", Doc("file:///stock.py", SourceText.From(Code)));
        const string Query = "price = warehouse.price_of(product_id) * quantity";

        Assert.Empty(recent.Similar(Query, "file:///stock.py", Code + "\n# more\n", 4));
        // Another document whose window shows the same lines gains nothing from them either.
        Assert.Empty(recent.Similar(Query, "file:///other.py", Code, 4));
        Assert.Single(recent.Similar(Query, "file:///other.py", "# other lines\n", 4));
        Assert.Single(recent.Similar(Query, "file:///stock.py", "# the window shows other lines\n", 4));
    }

    [Fact]
    public void Jaccard_SharedOverAll()
    {
        Assert.Equal(0.4, RecentSnippets.Jaccard(RecentSnippets.Identifiers("a b c"), RecentSnippets.Identifiers("b c d_1 x")), 3);
        Assert.Equal(["a", "b", "c"], RecentSnippets.Identifiers("a(b) + 12 c").Order());
    }
}
