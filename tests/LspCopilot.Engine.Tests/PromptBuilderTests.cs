using LLama.Native;
using LspCopilot.Completion;

namespace LspCopilot.Engine.Tests;

/// <summary>The prompt's pieces land where the model's FIM layout says, for every order.</summary>
public sealed class PromptBuilderTests
{
    private const int Pre = 3, Suf = 4, Mid = 5, Bos = 1;

    // One token per character, offset so that no character collides with a marker.
    private static LLamaToken[] Tokenize(string text) => text.Select(c => (LLamaToken)(1000 + c)).ToArray();

    private static string Show(IEnumerable<LLamaToken> tokens) => string.Concat(tokens.Select(t => (int)t switch
    {
        Bos => "^",
        Pre => "[P]",
        Suf => "[S]",
        Mid => "[M]",
        var other => ((char)(other - 1000)).ToString(),
    }));

    private static string Build(FimLayout fim) =>
        Show(new PromptBuilder(Tokenize, fim, (LLamaToken)Bos).Build(new CompletionRequest("ab", "yz", CompletionMode.SingleLine) { Context = "C" }, 512));

    [Fact]
    public void Build_PrefixSuffixMiddle_ContextThenPrefixAfterThePrefixMarker()
    {
        Assert.Equal("^[P]Cab[S]yz[M]", Build(new FimLayout("t", FimOrder.PrefixSuffixMiddle, Pre, Suf, Mid)));
    }

    [Fact]
    public void Build_SuffixPrefixMiddle_SuffixFirst()
    {
        Assert.Equal("^[S]yz[P]Cab[M]", Build(new FimLayout("t", FimOrder.SuffixPrefixMiddle, Pre, Suf, Mid)));
    }

    [Fact]
    public void Build_SuffixFirstFamilyWithoutAMiddleMarker_EndsWithThePrefix()
    {
        Assert.Equal("^[S]yz[P]Cab", Build(new FimLayout("codestral", FimOrder.SuffixPrefixMiddle, Pre, Suf, null)));
    }

    [Fact]
    public void Build_PrefixOnly_NoSuffixAndNoMarkers()
    {
        Assert.Equal("^Cab", Build(FimLayout.PrefixOnly));
    }

    [Fact]
    public void Build_NextKeystroke_TokenizesOnlyThePrefixAgain_SamePromptAsAFreshBuilder()
    {
        var fim = new FimLayout("t", FimOrder.PrefixSuffixMiddle, Pre, Suf, Mid);
        var tokenized = new List<string>();
        LLamaToken[] Counting(string text)
        {
            tokenized.Add(text);
            return Tokenize(text);
        }

        var builder = new PromptBuilder(Counting, fim, (LLamaToken)Bos);
        builder.Build(new CompletionRequest("ab", "yz", CompletionMode.SingleLine) { Context = "C" }, 512);
        tokenized.Clear();

        var next = builder.Build(new CompletionRequest("abc", "yz", CompletionMode.SingleLine) { Context = "C" }, 512);
        var fresh = new PromptBuilder(Tokenize, fim, (LLamaToken)Bos).Build(new CompletionRequest("abc", "yz", CompletionMode.SingleLine) { Context = "C" }, 512);

        Assert.Equal(["abc"], tokenized);
        Assert.Equal(fresh, next);
    }
}
