using LspCopilot.Completion;
using LspCopilot.Context;
using LspCopilot.Server.Cli;

namespace LspCopilot.Server.Tests.Cli;

/// <summary><c>lspcopilot context</c> takes the engine's prompt apart by walking the same layout the engine built it from.</summary>
public sealed class PromptLayoutTests
{
    private const int Pre = 3, Suf = 4, Mid = 5;

    private static IReadOnlyList<int> Tokens(string text) => text.Select(c => 1000 + c).ToList();

    private static string Text(int token) => token switch
    {
        Pre => "[P]",
        Suf => "[S]",
        Mid => "[M]",
        _ => ((char)(token - 1000)).ToString(),
    };

    private static PromptLayout Split(FimLayout fim, IEnumerable<int> prompt) =>
        PromptLayout.Exact(prompt.ToList(), Text, Tokens, fim, new ContextResult(new GateDecision(CompletionMode.SingleLine, default, false), [new ContextSection("types", "CC", 2)]));

    private static IEnumerable<int> Prompt(params object[] parts) => parts.SelectMany(p => p is int marker ? [marker] : Tokens((string)p));

    [Fact]
    public void Exact_PrefixSuffixMiddle_FindsContextPrefixAndSuffix()
    {
        var layout = Split(new FimLayout("t", FimOrder.PrefixSuffixMiddle, Pre, Suf, Mid), Prompt(Pre, "CCabc", Suf, "xyz", Mid));

        Assert.Equal(2, layout.ContextTokensInPrompt);
        Assert.Equal("abc", layout.Sections.Single(s => s.Name == "prefix").Text);
        Assert.Equal("xyz", layout.Sections.Single(s => s.Name == "suffix").Text);
        Assert.Equal("[P]CCabc[S]xyz[M]", layout.Text);
    }

    [Fact]
    public void Exact_SuffixPrefixWithoutMiddle_FindsTheSuffixFirstAndThePrefixToTheEnd()
    {
        var layout = Split(new FimLayout("codestral", FimOrder.SuffixPrefixMiddle, Pre, Suf, null), Prompt(Suf, "xyz", Pre, "CCabc"));

        Assert.Equal(2, layout.ContextTokensInPrompt);
        Assert.Equal("abc", layout.Sections.Single(s => s.Name == "prefix").Text);
        Assert.Equal("xyz", layout.Sections.Single(s => s.Name == "suffix").Text);
    }

    [Fact]
    public void Exact_PrefixOnly_TheWholePromptIsContextAndPrefix()
    {
        var layout = Split(FimLayout.PrefixOnly, Prompt("CCabc"));

        Assert.Equal(2, layout.ContextTokensInPrompt);
        Assert.Equal("abc", layout.Sections.Single(s => s.Name == "prefix").Text);
        Assert.Equal(string.Empty, layout.Sections.Single(s => s.Name == "suffix").Text);
    }
}
