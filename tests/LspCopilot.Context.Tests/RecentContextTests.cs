using LspCopilot.Completion;
using LspCopilot.TestSupport;
using Microsoft.CodeAnalysis.Text;

namespace LspCopilot.Context.Tests;

/// <summary>Issue 15 §3: the recent section in the Roslyn provider's context, after the semantic sections.</summary>
public sealed class RecentContextTests
{
    private const string ServicePath = "Services/RestockService.cs";

    [Fact]
    public async Task BuildContext_SimilarCodeEditedInAnotherFile_RecentSectionAfterTheSemanticOnes()
    {
        using var workspace = TempWorkspace.FromFixture("Inventory");
        var recent = new RecentSnippets();
        using var provider = new RoslynContextProvider([workspace.Folder], new AnalysisOptions(), TokenEstimate.Instance, ServerLog.Silent) { Recent = recent };
        const string Edited = "static decimal ShippingCost(Warehouse warehouse, string sku, int quantity)\n{\n    var weight = warehouse.WeightOf(sku) * quantity;\n    return weight * RatePerKilo;\n}\n";
        var scratch = new Uri(Path.Combine(workspace.Folder, "Scratch.cs")).AbsoluteUri;
        var before = SourceText.From("class Scratch\n{\n}\n");
        recent.OnDocumentChanged(scratch, new DocumentSnapshot(scratch, "csharp", 1, before));
        recent.OnDocumentChanged(scratch, new DocumentSnapshot(scratch, "csharp", 2, before.WithChanges(new TextChange(new TextSpan(before.Lines[2].Start, 0), Edited))));
        var source = File.ReadAllText(Path.Combine(workspace.Folder, ServicePath)).Replace("        return total;", "        var weight = warehouse.WeightOf(sku) * quantity;\n        var cost = $$\n        return total;", StringComparison.Ordinal);
        var (document, offset) = await workspace.OpenAsync(provider, ServicePath, source);

        var context = await provider.BuildContextAsync(document, offset, TestContext.Current.CancellationToken);

        var section = Assert.Single(context!.Sections, s => s.Name == RecentSnippets.SectionName);
        Assert.Same(section, context.Sections[^1]);
        Assert.True(context.Sections.Count > 1, "the semantic sections come first");
        Assert.Contains("// Recently edited: Scratch.cs", section.Text, StringComparison.Ordinal);
        Assert.Contains("//     return weight * RatePerKilo;\n", section.Text, StringComparison.Ordinal);
        Assert.Equal(TokenEstimate.Count(section.Text), section.Tokens);
    }

    [Fact]
    public async Task TextContext_OtherLanguage_RecentChunkInItsLineComments()
    {
        var recent = new RecentSnippets();
        using var provider = new RoslynContextProvider([], new AnalysisOptions(), TokenEstimate.Instance, ServerLog.Silent) { Recent = recent };
        recent.OnDocumentChanged("file:///w/stock.py", new DocumentSnapshot("file:///w/stock.py", "python", 1, SourceText.From("def restock_cost(warehouse, product_id, quantity):\n    price = warehouse.price_of(product_id)\n")));
        var orders = new DocumentSnapshot("file:///w/orders.py", "python", 1, SourceText.From("def order_total(warehouse, product_id, quantity):\n    price = "));

        var plan = await provider.PlanAsync(orders, orders.Text.Length, TestContext.Current.CancellationToken);

        Assert.Equal("# Recently edited: stock.py (line 1)\n# def restock_cost(warehouse, product_id, quantity):\n#     price = warehouse.price_of(product_id)\n", plan!.Context);
    }
}
