using LspCopilot.Backends.Prompting;
using LspCopilot.Completion;

namespace LspCopilot.Backends.Tests.Prompting;

public sealed class PromptWindowTests
{
    private static string Lines(int count) => string.Concat(Enumerable.Range(0, count).Select(i => $"line {i:D4};\n"));

    [Fact]
    public void Fit_ShortRequest_KeepsEverything()
    {
        var window = new PromptWindow();
        var request = new CompletionRequest("int x = ", ";\n", CompletionMode.SingleLine) { Context = "// ctx\n" };

        var fitted = window.Fit(request, 4096, withSuffix: true);

        Assert.Equal(new FittedPrompt("// ctx\n", "int x = ", ";\n"), fitted);
    }

    [Fact]
    public void Fit_NoFim_DropsTheSuffix()
    {
        var fitted = new PromptWindow().Fit(new CompletionRequest("a", "b", CompletionMode.SingleLine), 4096, withSuffix: false);

        Assert.Equal(string.Empty, fitted.Suffix);
    }

    [Fact]
    public void Fit_LongDocument_EstimateStaysWithinTheContext()
    {
        var window = new PromptWindow();
        var text = Lines(5000);
        var request = new CompletionRequest(text, text, CompletionMode.MultiLine) { Context = text };

        var fitted = window.Fit(request, 1024, withSuffix: true);

        Assert.True(window.Estimate(fitted) <= PromptWindow.Available(request.Generation, 1024) + PromptWindow.MarkerTokens);
        Assert.EndsWith("line 4999;\n", fitted.Prefix, StringComparison.Ordinal);
        Assert.StartsWith("line 0000;\n", fitted.Suffix, StringComparison.Ordinal);
        Assert.StartsWith("line 0000;\n", fitted.Context, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(64)]
    [InlineData(300)]
    [InlineData(1024)]
    [InlineData(8192)]
    public void Fit_AnyContextSize_WithinTheContextAndEveryPieceInWholeLines(int contextSize)
    {
        var window = new PromptWindow();
        var text = Lines(3000);
        var request = new CompletionRequest(text + "var x = ", text, CompletionMode.MultiLine) { Context = text };

        var fitted = window.Fit(request, contextSize, withSuffix: true);

        Assert.True(window.Estimate(fitted) <= PromptWindow.Available(request.Generation, contextSize) + PromptWindow.MarkerTokens);
        Assert.True(fitted.Context.Length == 0 || fitted.Context.EndsWith('\n'));
        Assert.True(fitted.Suffix.Length == 0 || fitted.Suffix.EndsWith('\n'));
        Assert.Equal('\n', request.Prefix[^(fitted.Prefix.Length + 1)]);
        Assert.NotEmpty(fitted.Prefix);
    }

    [Fact]
    public void TakeTail_TypingAtTheEnd_WindowStartMovesOnlyByWholeSteps()
    {
        var text = Lines(200);
        var starts = new SortedSet<int>();
        for (var typed = 0; typed < 40; typed++)
        {
            var prefix = text + new string('x', typed);
            var tail = PromptWindow.TakeTail(prefix, 1000);
            Assert.True(tail.Length <= 1000);
            starts.Add(prefix.Length - tail.Length);
        }

        // 40 characters typed on 1,000: the start moved at most once, by whole lines of 11 characters, at most a step of 16.
        Assert.InRange(starts.Count, 1, 2);
        Assert.Equal(0, (starts.Max - starts.Min) % 11);
        Assert.InRange(starts.Max - starts.Min, 0, PromptWindow.LineStep * 11);
    }

    [Fact]
    public void TakeTail_StartsOnALineThatIsAMultipleOfTheStep()
    {
        var text = Lines(200);

        var tail = PromptWindow.TakeTail(text, 1000);

        Assert.True(tail.Length <= 1000);
        var line = int.Parse(tail.AsSpan(5, 4), System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(0, line % PromptWindow.LineStep);
    }

    [Fact]
    public void TakeTail_OneHugeLine_CutsAtACharacterStep()
    {
        var text = new string('a', 10_000);

        var tail = PromptWindow.TakeTail(text, 1000);

        Assert.True(tail.Length <= 1000);
        Assert.Equal(0, (text.Length - tail.Length) % PromptWindow.CharStep);
    }

    [Fact]
    public void TakeHead_CutsAfterALineEnd_AFirstLineOverTheBudgetIsLeftOut()
    {
        Assert.Equal("ab\n", PromptWindow.TakeHead("ab\ncd\nef", 5));
        Assert.Equal(string.Empty, PromptWindow.TakeHead("aa\ud83d\ude00bb", 3));
    }

    [Fact]
    public void Learn_DenserText_FewerCharactersPerTokenAtOnce()
    {
        var window = new PromptWindow();

        window.Learn(200, 100);

        Assert.Equal(2.0, window.CharsPerToken);
    }
}
