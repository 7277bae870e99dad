using LspCopilot.Completion;

namespace LspCopilot.Engine.Tests;

public sealed class CompletionCacheTests
{
    private static CompletionRequest Request(string prefix, string suffix = "\n}") => new(prefix, suffix, CompletionMode.SingleLine);

    [Fact]
    public void Find_SameRequest_ReturnsTheWholeSuggestion()
    {
        var cache = new CompletionCache(10);
        cache.Add("m", Request("var x = "), "Compute(42);");

        Assert.Equal("Compute(42);", cache.Find("m", Request("var x = ")));
    }

    [Fact]
    public void Find_TypingThroughTheSuggestion_ReturnsTheRemainder()
    {
        var cache = new CompletionCache(10);
        cache.Add("m", Request("var x = "), "Compute(42);");

        Assert.Equal("ute(42);", cache.Find("m", Request("var x = Comp")));
    }

    [Fact]
    public void Find_TypedSomethingElse_Misses()
    {
        var cache = new CompletionCache(10);
        cache.Add("m", Request("var x = "), "Compute(42);");

        Assert.Null(cache.Find("m", Request("var x = Cop")));
    }

    [Fact]
    public void Find_TypedTheWholeSuggestion_Misses()
    {
        var cache = new CompletionCache(10);
        cache.Add("m", Request("var x = "), "Compute(42);");

        Assert.Null(cache.Find("m", Request("var x = Compute(42);")));
    }

    [Fact]
    public void Find_DifferentSuffixModelOrSettings_Misses()
    {
        var cache = new CompletionCache(10);
        cache.Add("m", Request("var x = "), "Compute(42);");

        Assert.Null(cache.Find("m", Request("var x = ", "\n}\n")));
        Assert.Null(cache.Find("other", Request("var x = ")));
        Assert.Null(cache.Find("m", Request("var x = ") with { Generation = new() { MaxTokens = 5 } }));
    }

    [Fact]
    public void Add_OverCapacity_EvictsTheLeastRecentlyUsed()
    {
        var cache = new CompletionCache(2);
        cache.Add("m", Request("a"), "1");
        cache.Add("m", Request("b"), "2");
        cache.Find("m", Request("a"));
        cache.Add("m", Request("c"), "3");

        Assert.NotNull(cache.Find("m", Request("a")));
        Assert.Null(cache.Find("m", Request("b")));
        Assert.Equal(2, cache.Count);
    }
}
