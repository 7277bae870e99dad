using Microsoft.CodeAnalysis.Text;

namespace LspCopilot.Completion.Tests.Languages;

public sealed class RecentSnippetsLanguageTests
{
    private const string Query = "function restockCost(warehouse, productId, quantity) {\n  const price = ";

    private static RecentSnippets Ring()
    {
        var recent = new RecentSnippets();
        Open(recent, "file:///w/stock.py", "python", "def restock(warehouse, productId, quantity):\n    price = warehouse.priceOf(productId)\n");
        Open(recent, "file:///w/stock.js", "javascript", "function restock(warehouse, productId, quantity) {\n  const price = warehouse.priceOf(productId);\n}\n");
        Open(recent, "file:///w/stock.go", "go", "func restock(warehouse Warehouse, productId int, quantity int) {\n\tprice := warehouse.priceOf(productId)\n}\n");
        return recent;
    }

    private static void Open(RecentSnippets recent, string uri, string languageId, string text) =>
        recent.OnDocumentChanged(uri, new DocumentSnapshot(uri, languageId, 1, SourceText.From(text)));

    [Fact]
    public void Similar_WithALanguage_KeepsOnlyChunksOfItsFamily()
    {
        var similar = Ring().Similar(Query, "file:///w/orders.ts", string.Empty, 4, "typescript");

        Assert.Equal(["file:///w/stock.js"], similar.Select(c => c.Uri));
    }

    [Fact]
    public void Similar_WithoutALanguage_EveryLanguageCounts()
    {
        Assert.Equal(3, Ring().Similar(Query, "file:///w/orders.ts", string.Empty, 4).Count);
    }

    [Fact]
    public void OnDocumentChanged_ChunkRemembersItsDocumentsLanguage()
    {
        Assert.Contains(Ring().Chunks, c => c.Uri == "file:///w/stock.go" && c.LanguageId == "go");
    }
}
