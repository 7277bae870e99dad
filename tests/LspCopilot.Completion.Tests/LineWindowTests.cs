namespace LspCopilot.Completion.Tests;

/// <summary>Windows are cut at line boundaries, fit their budget, and the prefix window's start stays put while typing.</summary>
public sealed class LineWindowTests
{
    /// <summary>Lines of differing lengths, numbered, so every cut can be checked against the text.</summary>
    private static string Lines(int count) =>
        string.Concat(Enumerable.Range(0, count).Select(i => $"line {i} {new string('x', i * 7 % 23)}\n"));

    private static int Chars(string text) => text.Length;

    [Theory]
    [InlineData(1)]
    [InlineData(40)]
    [InlineData(333)]
    [InlineData(2000)]
    [InlineData(100_000)]
    public void TailStart_AnyBudget_FitsAndStartsAfterALineEnd(int budget)
    {
        var text = Lines(300) + "var x = Foo(";

        var start = LineWindow.TailStart(text, budget, Chars, 1);

        Assert.True(text.Length - start <= budget || start == text.Length, $"{text.Length - start} chars for {budget}");
        Assert.True(start == 0 || start == text.Length || text[start - 1] == '\n', $"starts inside a line at {start}");
        Assert.Equal(budget < "var x = Foo(".Length, start == text.Length);
    }

    [Fact]
    public void TailStart_TypingAtTheEnd_StartMovesRarelyOnlyForwardAndOnlyWhenTheWindowNoLongerFits()
    {
        var text = Lines(200);
        var starts = new List<int>();
        for (var i = 0; i < 600; i++)
        {
            text += i % 40 == 39 ? '\n' : 'a';
            starts.Add(LineWindow.TailStart(text, 1500, Chars, 1));
        }

        var moves = Enumerable.Range(1, starts.Count - 1).Where(i => starts[i] != starts[i - 1]).ToList();
        Assert.All(moves, i => Assert.True(starts[i] > starts[i - 1]));
        Assert.All(starts, s => Assert.True(s == 0 || text[s - 1] == '\n'));
        Assert.InRange(moves.Count, 1, 8);
        Assert.All(moves, i => Assert.True(text[..(text.Length - 600 + i + 1)].Length - starts[i - 1] > 1500, "moved while the window still fitted"));
    }

    [Fact]
    public void TailStart_LastStepOfLinesTooLong_EarliestSingleLineThatFits()
    {
        var text = string.Concat(Enumerable.Range(0, 10).Select(i => new string((char)('a' + i), 50) + "\n")) + "tail";

        var start = LineWindow.TailStart(text, 100, Chars, 1);

        Assert.Equal("jjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjj\ntail", text[start..]);
    }

    [Fact]
    public void TailStart_TextEndingAtAStepOfLines_TheLinesAboveTheCursorThatFit()
    {
        var text = string.Concat(Enumerable.Range(0, 32).Select(i => $"{i:D9}\n"));

        var start = LineWindow.TailStart(text, 35, Chars, 1);

        Assert.Equal("000000029\n000000030\n000000031\n", text[start..]);
    }

    [Fact]
    public void TailStart_LastLineLongerThanTheBudget_TheEndOfTheText()
    {
        var text = "short\n" + new string('y', 500);

        Assert.Equal(text.Length, LineWindow.TailStart(text, 100, Chars, 1));
    }

    [Fact]
    public void TailStart_CountsThatDoNotAdd_TheWholeWindowIsCheckedAndFits()
    {
        // A counter that charges 10 extra for any text holding two lines or more: summed steps underestimate.
        static int Merging(string text) => text.Length + (text.Count(c => c == '\n') > 1 ? 10 : 0);
        var text = Lines(100);

        var start = LineWindow.TailStart(text, 400, Merging, 1);

        Assert.True(Merging(text[start..]) <= 400);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    [InlineData(64)]
    [InlineData(777)]
    [InlineData(100_000)]
    public void HeadEnd_AnyBudget_WholeLinesThatFitAsManyAsFit(int budget)
    {
        var text = Lines(120) + "no newline at the end";

        var end = LineWindow.HeadEnd(text, budget, Chars, 1);

        Assert.True(end <= budget);
        Assert.True(end == 0 || end == text.Length || text[end - 1] == '\n', $"ends inside a line at {end}");
        var next = end == text.Length ? -1 : text.IndexOf('\n', end);
        var nextEnd = next < 0 ? text.Length : next + 1;
        Assert.True(end == text.Length || nextEnd > budget, $"the line ending at {nextEnd} would also fit {budget}");
    }

    [Theory]
    [InlineData(100, 128, 256)]
    [InlineData(64, 2048, 256)]
    [InlineData(300, 0, 0)]
    [InlineData(2048, 128, 256)]
    [InlineData(8192, 4000, 5000)]
    public void PromptBudget_AnySize_PartsAndGenerationNeverExceedTheContext(int size, int maxTokens, int suffixTokens)
    {
        var generation = new GenerationOptions { MaxTokens = maxTokens, SuffixTokens = suffixTokens };

        var budget = PromptBudget.For(generation, size, withSuffix: true);
        var prefix = budget.PrefixFor(budget.Suffix, budget.Context);

        Assert.True(budget.Suffix + budget.Context + prefix <= budget.Window);
        Assert.True(budget.Window + Math.Min(maxTokens, size / 4) + PromptBudget.MarkerTokens <= size);
        Assert.True(budget.Context > 0);
    }

    [Fact]
    public void PromptBudget_PrefixFor_SmallChangesOfTheContextKeepThePrefixBudget()
    {
        var budget = PromptBudget.For(new GenerationOptions(), 2048, withSuffix: true);

        var prefixes = Enumerable.Range(700, 20).Select(context => budget.PrefixFor(200, context)).Distinct().ToList();

        Assert.True(prefixes.Count <= 2, string.Join(", ", prefixes));
    }
}
