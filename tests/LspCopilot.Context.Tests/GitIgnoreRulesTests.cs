namespace LspCopilot.Context.Tests;

/// <summary>What a .gitignore file ignores, and that no pattern can stall the workspace scan.</summary>
public sealed class GitIgnoreRulesTests
{
    private static bool? Decide(string gitignore, string relativePath, bool isDirectory = false) =>
        GitIgnoreRules.Parse("/repo", gitignore).Decide(relativePath, isDirectory);

    [Theory]
    // A name without a slash matches at any depth, and only the whole name.
    [InlineData("Generated", "Generated", true)]
    [InlineData("Generated", "src/Generated", true)]
    [InlineData("Generated", "src/NotGenerated", null)]
    [InlineData("Generated", "Generated.cs", null)]
    // * and ? stay inside one name.
    [InlineData("*.g.cs", "Other.g.cs", true)]
    [InlineData("*.g.cs", "deep/down/Other.g.cs", true)]
    [InlineData("*.g.cs", "Other.cs", null)]
    [InlineData("src/*.cs", "src/A.cs", true)]
    [InlineData("src/*.cs", "src/sub/A.cs", null)]
    [InlineData("File?.cs", "File1.cs", true)]
    [InlineData("File?.cs", "File12.cs", null)]
    [InlineData("a?b", "a/b", null)]
    // A slash anchors the pattern to the .gitignore's folder.
    [InlineData("/Root.cs", "Root.cs", true)]
    [InlineData("/Root.cs", "sub/Root.cs", null)]
    [InlineData("src/Gen.cs", "src/Gen.cs", true)]
    [InlineData("src/Gen.cs", "other/src/Gen.cs", null)]
    // ** crosses folders: leading, inner and trailing.
    [InlineData("**/Gen.cs", "Gen.cs", true)]
    [InlineData("**/Gen.cs", "a/b/Gen.cs", true)]
    [InlineData("a/**/b.cs", "a/b.cs", true)]
    [InlineData("a/**/b.cs", "a/x/y/b.cs", true)]
    [InlineData("a/**/b.cs", "c/a/x/b.cs", null)]
    [InlineData("logs/**", "logs/a/b.cs", true)]
    [InlineData("logs/**", "logs", null)]
    // Classes, ranges and negated classes.
    [InlineData("[abc].cs", "b.cs", true)]
    [InlineData("[abc].cs", "d.cs", null)]
    [InlineData("[a-c]x.cs", "bx.cs", true)]
    [InlineData("[a-c]x.cs", "dx.cs", null)]
    [InlineData("[!a-c]x.cs", "dx.cs", true)]
    [InlineData("[!a-c]x.cs", "bx.cs", null)]
    [InlineData("[^a-c]x.cs", "dx.cs", true)]
    [InlineData("x[.cs", "x[.cs", true)]
    // Escapes, comments and trailing spaces.
    [InlineData("\\#hash.cs", "#hash.cs", true)]
    [InlineData("#comment.cs", "#comment.cs", null)]
    [InlineData("\\*.cs", "*.cs", true)]
    [InlineData("\\*.cs", "a.cs", null)]
    [InlineData("Spaced.cs   ", "Spaced.cs", true)]
    public void Decide_Pattern_MatchesLikeGit(string pattern, string path, bool? expected)
    {
        Assert.Equal(expected, Decide(pattern, path));
    }

    [Fact]
    public void Decide_TrailingSlash_FoldersOnly()
    {
        Assert.True(Decide("Generated/", "Generated", isDirectory: true));
        Assert.Null(Decide("Generated/", "Generated", isDirectory: false));
    }

    [Fact]
    public void Decide_NegationAfterAMatch_TheLaterRuleWins()
    {
        const string Rules = "*.g.cs\n!Keep.g.cs\n";

        Assert.True(Decide(Rules, "Other.g.cs"));
        Assert.False(Decide(Rules, "Keep.g.cs"));
    }

    [Fact]
    public void Parse_BracketsARegexCannotHold_KeepsEveryRule()
    {
        // Translated to a Regex these threw, and the exception failed the whole workspace load.
        var rules = GitIgnoreRules.Parse("/repo", "a[]b\n[!]\n[]]x\n*.tmp\n");

        Assert.True(rules.Decide("]x", isDirectory: false));
        Assert.Null(rules.Decide("ax", isDirectory: false));
        Assert.True(rules.Decide("scratch.tmp", isDirectory: false));
    }

    [Fact]
    public async Task Decide_CatastrophicBacktrackingPatterns_FinishOnLongNames()
    {
        // Each of these made the old Regex translation backtrack exponentially on a long name that fails at its end.
        var patterns = string.Join('\n', Enumerable.Range(0, 20).Select(_ => "*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b").Concat(["**/**/**/**/**/**/**/**/**/**/**/x", "a**a**a**a**a**a**a**a**a**a**a**a**b"]));
        var rules = GitIgnoreRules.Parse("/repo", patterns);
        var name = new string('a', 4000) + ".cs";
        var deep = string.Join('/', Enumerable.Repeat("aaaaaaaaaa", 300)) + "/y";

        var decide = Task.Run(() => (rules.Decide(name, isDirectory: false), rules.Decide(deep, isDirectory: false)), TestContext.Current.CancellationToken);

        // A hang, not a slow run, is the failure: the old patterns took minutes.
        Assert.Equal((null, null), await decide.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken));
    }

    [Fact]
    public void Decide_LongPathThatMatches_Matches()
    {
        var rules = GitIgnoreRules.Parse("/repo", "*a*a*a*a*a*a*a*a*a*a*b\n");

        Assert.True(rules.Decide(new string('a', 4000) + "b", isDirectory: false));
    }
}
