using System.Globalization;
using LspCopilot.Completion;
using LspCopilot.TestSupport;

namespace LspCopilot.Context.Tests;

public sealed class TokenCountCacheTests
{
    private static string Text(int i, int length = 100) => i.ToString(CultureInfo.InvariantCulture).PadRight(length, 'x');

    [Fact]
    public void Add_ManyDistinctTexts_NeverHoldsMoreThanTwoGenerations()
    {
        var cache = new TokenCountCache(maxChars: 10_000, maxEntries: 1_000);

        for (var i = 0; i < 5_000; i++)
        {
            cache.Add(Text(i), i);
            Assert.InRange(cache.Chars, 0, 20_000);
            Assert.InRange(cache.Count, 0, 2_000);
        }
    }

    [Fact]
    public void Add_ManySmallTexts_EntriesBoundedToo()
    {
        var cache = new TokenCountCache(maxChars: 1_000_000, maxEntries: 100);

        for (var i = 0; i < 5_000; i++)
        {
            cache.Add(Text(i, 10), i);
        }

        Assert.InRange(cache.Count, 1, 200);
    }

    [Fact]
    public void TryGet_TextUsedEveryRound_SurvivesWhileOneShotTextsGoThrough()
    {
        var cache = new TokenCountCache(maxChars: 10_000);
        cache.Add("the outline", 3);

        for (var i = 0; i < 5_000; i++)
        {
            cache.Add(Text(i), i);
            Assert.True(cache.TryGet("the outline", out var count), $"lost after {i} texts");
            Assert.Equal(3, count);
        }

        Assert.False(cache.TryGet(Text(0), out _));
    }

    [Fact]
    public void Add_TextLongerThanAGeneration_NotKept()
    {
        var cache = new TokenCountCache(maxChars: 100);

        cache.Add(new string('x', 101), 25);

        Assert.False(cache.TryGet(new string('x', 101), out _));
        Assert.Equal(0, cache.Chars);
    }

    [Fact]
    public async Task BuildContext_TypingHundredsOfKeystrokes_TokenCountsStayWithinTheirBound()
    {
        const int Bound = 8_000;
        using var workspace = TempWorkspace.FromFixture("Inventory");
        using var provider = workspace.Provider(new AnalysisOptions { TokenCountCacheChars = Bound });
        const string Statement = "        var shortfall = _warehouse.QuantityOf(product.Id) - _minimum; // what is missing for this product";
        var original = File.ReadAllText(workspace.PathOf("Services/RestockService.cs"));
        var at = original.IndexOf("        return total;", StringComparison.Ordinal);
        var (document, _) = await workspace.OpenAsync(provider, "Services/RestockService.cs", original.Insert(at, "$$"));
        var uri = document.Uri;

        // Each keystroke renders new sections (the scope changes), each a new text to count.
        for (var typed = 1; typed <= Statement.Length * 3; typed++)
        {
            var line = Statement[..(typed % Statement.Length)];
            var text = original.Insert(at, line + "\n");
            var snapshot = new DocumentSnapshot(uri, "csharp", typed + 1, Microsoft.CodeAnalysis.Text.SourceText.From(text));
            provider.OnDocumentChanged(uri, snapshot);
            await provider.BuildContextAsync(snapshot, at + line.Length, TestContext.Current.CancellationToken);

            Assert.InRange(provider.TokenCounts.Chars, 0, 2 * Bound);
        }

        Assert.True(provider.TokenCounts.Count > 0);
    }
}
