using LspCopilot.Server.Inference;

namespace LspCopilot.Server.Tests.Inference;

public sealed class CompletionCacheTests
{
    private static CompletionRequest Request(string prefix, string suffix = "\n}") => new(prefix, suffix, CompletionMode.SingleLine);

    [Fact]
    public void Find_SameRequest_ReturnsTheWholeSuggestion()
    {
        var cache = new CompletionCache(10);
        cache.Add("m", Request("var x = "), "Compute(42);");

        Assert.Equal("Compute(42);", cache.Find("m", Request("var x = "), out _));
    }

    [Fact]
    public void Find_TypingThroughTheSuggestion_ReturnsTheRemainder()
    {
        var cache = new CompletionCache(10);
        cache.Add("m", Request("var x = "), "Compute(42);");

        Assert.Equal("ute(42);", cache.Find("m", Request("var x = Comp"), out _));
    }

    [Fact]
    public void Find_TypedSomethingElse_Misses()
    {
        var cache = new CompletionCache(10);
        cache.Add("m", Request("var x = "), "Compute(42);");

        Assert.Null(cache.Find("m", Request("var x = Cop"), out _));
    }

    [Fact]
    public void Find_TypedTheWholeSuggestion_Misses()
    {
        var cache = new CompletionCache(10);
        cache.Add("m", Request("var x = "), "Compute(42);");

        Assert.Null(cache.Find("m", Request("var x = Compute(42);"), out _));
    }

    [Fact]
    public void Find_DifferentSuffixModelOrSettings_Misses()
    {
        var cache = new CompletionCache(10);
        cache.Add("m", Request("var x = "), "Compute(42);");

        Assert.Null(cache.Find("m", Request("var x = ", "\n}\n"), out _));
        Assert.Null(cache.Find("other", Request("var x = "), out _));
        Assert.Null(cache.Find("m", Request("var x = ") with { Generation = new() { MaxTokens = 5 } }, out _));
    }

    [Fact]
    public void Add_OverCapacity_EvictsTheLeastRecentlyUsed()
    {
        var cache = new CompletionCache(2);
        cache.Add("m", Request("a"), "1");
        cache.Add("m", Request("b"), "2");
        cache.Find("m", Request("a"), out _);
        cache.Add("m", Request("c"), "3");

        Assert.NotNull(cache.Find("m", Request("a"), out _));
        Assert.Null(cache.Find("m", Request("b"), out _));
        Assert.Equal(2, cache.Count);
    }
}
