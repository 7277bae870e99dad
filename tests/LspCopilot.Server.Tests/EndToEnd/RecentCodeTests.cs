using LspCopilot.Server.Protocol;
using LspCopilot.TestSupport;

namespace LspCopilot.Server.Tests.EndToEnd;

/// <summary>Issue 15 §3: code the user just edited in another document reaches the next prompt when it resembles the cursor's lines.</summary>
public sealed class RecentCodeTests
{
    private const string Stock = "file:///work/shop/stock.py";
    private const string Music = "file:///work/shop/music.py";
    private const string Orders = "file:///work/shop/orders.py";

    [Fact]
    public async Task InlineCompletion_SimilarCodeEditedInAnotherFile_IsInThePromptsContext()
    {
        var engine = new FakeEngine("42");
        await using var server = InMemoryServer.Start(modelPath: null, loader: (_, _) => engine);
        await server.Client.InitializeAsync();
        await server.Client.OpenAsync(Music, "def play(song, volume):\n    speaker.set(volume)\n    speaker.stream(song)\n", languageId: "python");
        await server.Client.OpenAsync(Stock, "import math\n", languageId: "python");
        await server.Client.NotifyAsync(LspMethods.DidChange, new
        {
            textDocument = new { uri = Stock, version = 2 },
            contentChanges = new[]
            {
                new
                {
                    range = new { start = new { line = 1, character = 0 }, end = new { line = 1, character = 0 } },
                    text = "def restock_cost(warehouse, product_id, quantity):\n    price = warehouse.price_of(product_id)\n    return price * quantity\n",
                },
            },
        });
        await server.Client.OpenAsync(Orders, "def order_total(warehouse, product_id, quantity):\n    price = \n", languageId: "python");

        await server.Client.InlineAsync(Orders, 1, 12);

        var context = engine.Requests[^1].Context;
        Assert.NotNull(context);
        Assert.Contains("# Recently edited: stock.py", context, StringComparison.Ordinal);
        Assert.Contains("#     price = warehouse.price_of(product_id)\n", context, StringComparison.Ordinal);
        Assert.DoesNotContain("speaker", context, StringComparison.Ordinal);
        Assert.DoesNotContain("order_total", context, StringComparison.Ordinal);
    }
}
