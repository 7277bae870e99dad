using LLama.Native;
using LspCopilot.Completion;
using LspCopilot.TestSupport;

namespace LspCopilot.Engine.Tests;

/// <summary>The prompt fits its context, every piece is cut at a line boundary, and typing keeps its first tokens.</summary>
public sealed class PromptFittingTests
{
    private static readonly FimLayout s_fim = new("t", FimOrder.PrefixSuffixMiddle, 3, 4, 5);

    // One token per character, offset so that no character collides with a marker.
    private static LLamaToken[] PerChar(string text) => text.Select(c => (LLamaToken)(1000 + c)).ToArray();

    private static string Lines(string what, int count) =>
        string.Concat(Enumerable.Range(0, count).Select(i => $"{what} {i}: {new string('.', i * 13 % 37)}\n"));

    private static CompletionRequest LongRequest() =>
        new(Lines("prefix", 400) + "    var x = ", Lines("suffix", 200), CompletionMode.MultiLine) { Context = Lines("// context", 150) };

    [Theory]
    [InlineData(64)]
    [InlineData(100)]
    [InlineData(257)]
    [InlineData(512)]
    [InlineData(2048)]
    [InlineData(8192)]
    public void Build_AnyContextSize_PromptAndGenerationRoomFitAndPiecesAreWholeLines(int contextSize)
    {
        var request = LongRequest();
        var builder = new PromptBuilder(PerChar, s_fim, (LLamaToken)1);

        var prompt = builder.Build(request, contextSize);
        var (context, prefix, suffix, contextText) = builder.Parts(request, contextSize);

        Assert.True(prompt.Count + Math.Min(request.Generation.MaxTokens, contextSize / 4) <= contextSize, $"{prompt.Count} prompt tokens in {contextSize}");
        string Text(LLamaToken[] tokens) => string.Concat(tokens.Select(t => (char)((int)t - 1000)));
        Assert.StartsWith(Text(context), request.Context, StringComparison.Ordinal);
        Assert.Equal(contextText, Text(context));
        Assert.True(context.Length == 0 || Text(context).EndsWith('\n'));
        Assert.StartsWith(Text(suffix), request.Suffix, StringComparison.Ordinal);
        Assert.True(suffix.Length == 0 || Text(suffix).EndsWith('\n'));
        Assert.EndsWith(Text(prefix), request.Prefix, StringComparison.Ordinal);
        Assert.Equal('\n', request.Prefix[^(prefix.Length + 1)]);
    }

    [Fact]
    public void Build_CursorLineLongerThanThePrefixBudget_KeepsThatLinesEndInWholeBlocksAndFits()
    {
        var longLine = string.Concat(Enumerable.Range(0, 400).Select(i => $"x{i},"));
        var request = new CompletionRequest("int a;\n" + longLine, string.Empty, CompletionMode.SingleLine);
        var builder = new PromptBuilder(PerChar, s_fim, null);
        var budget = PromptBudget.For(request.Generation, 512, withSuffix: true).PrefixFor(0, 0);

        var (_, prefix, _, _) = builder.Parts(request, 512);
        var (_, afterTyping, _, _) = builder.Parts(request with { Prefix = request.Prefix + "y" }, 512);

        Assert.InRange(prefix.Length, budget - PromptBuilder.TokenStep + 1, budget);
        Assert.EndsWith(string.Concat(prefix.Select(t => (char)((int)t - 1000))), longLine, StringComparison.Ordinal);
        Assert.Equal(prefix, afterTyping.Take(prefix.Length));
    }

    [Fact]
    public void Build_ContextOverItsCap_KeepsTheWholeLinesThatFit()
    {
        var request = LongRequest();
        var budget = PromptBudget.For(request.Generation, 1024, withSuffix: true);

        var (context, _, _, contextText) = new PromptBuilder(PerChar, s_fim, null).Parts(request, 1024);

        Assert.True(context.Length <= budget.Context);
        var nextLine = request.Context![contextText.Length..].IndexOf('\n') + 1;
        Assert.True(context.Length + nextLine > budget.Context, "one more line would have fitted");
    }

    [Fact]
    public void Build_NextKeystrokeInALongFile_TokenizesOnlyTextThatEndsAtTheCursor()
    {
        var tokenized = new List<string>();
        LLamaToken[] Counting(string text)
        {
            tokenized.Add(text);
            return PerChar(text);
        }

        var builder = new PromptBuilder(Counting, s_fim, null);
        var request = LongRequest();
        builder.Build(request, 2048);
        tokenized.Clear();

        var next = builder.Build(request with { Prefix = request.Prefix + "a" }, 2048);

        // The window, the cursor's step of lines and its line: nothing above it is tokenized again.
        Assert.InRange(tokenized.Count, 1, 3);
        Assert.All(tokenized, text => Assert.EndsWith(text, request.Prefix + "a", StringComparison.Ordinal));
        Assert.Equal(new PromptBuilder(PerChar, s_fim, null).Build(request with { Prefix = request.Prefix + "a" }, 2048), next);
    }

    [Fact]
    public void Build_TypingAtTheEndOfALineWithTheModelsTokenizer_FirstTokensStayWhileTheWindowFits()
    {
        using var engine = LlamaEngine.Load(new EngineOptions { ModelPath = TestModels.Require(TestModels.Fim) }, ServerLog.Silent);
        var story = string.Concat(Enumerable.Range(0, 120).Select(i => $"Once upon a time, there was a little dog number {i}. He liked to run.\n"));
        var builder = new PromptBuilder(engine.Tokenize, engine.Fim, null);
        const string Suffix = "\nThe end.\n", Context = "// a note\n";
        var typed = story + "The dog";
        var first = builder.Parts(new CompletionRequest(typed, Suffix, CompletionMode.SingleLine) { Context = Context }, 512);
        var budget = PromptBudget.For(new GenerationOptions(), 512, engine.Fim.HasFim).PrefixFor(first.Suffix.Length, first.Context.Length);
        var windowStart = Enumerable.Range(0, typed.Length).Last(i => (i == 0 || typed[i - 1] == '\n') && engine.Tokenize(typed[i..]).SequenceEqual(first.Prefix));
        Assert.True(first.Prefix.Length > budget / 2, $"the window is well filled: {first.Prefix.Length} of {budget}");

        var kept = 0;
        foreach (var c in " ran home and ate his food")
        {
            typed += c;
            var prompt = builder.Build(new CompletionRequest(typed, Suffix, CompletionMode.SingleLine) { Context = Context }, 512);
            if (engine.Tokenize(typed[windowStart..]).Length > budget)
            {
                break;
            }

            // BOS-less prompt: the prefix marker, the context, then the window from the same line as before.
            Assert.Equal(first.Prefix.Take(32), prompt.Skip(1 + first.Context.Length).Take(32));
            kept++;
        }

        Assert.True(kept >= 5, $"{kept} keystrokes typed while the window fitted");
    }

    [Theory]
    [InlineData(64)]
    [InlineData(300)]
    [InlineData(512)]
    [InlineData(2048)]
    public void Build_ModelsTokenizer_PrefixIsTheTokensOfWholeLinesAndFits(int contextSize)
    {
        using var engine = LlamaEngine.Load(new EngineOptions { ModelPath = TestModels.Require(TestModels.Fim) }, ServerLog.Silent);
        var request = LongRequest();
        var builder = new PromptBuilder(engine.Tokenize, engine.Fim, null);

        var prompt = builder.Build(request, contextSize);
        var (_, prefix, suffix, _) = builder.Parts(request, contextSize);

        Assert.True(prompt.Count + Math.Min(request.Generation.MaxTokens, contextSize / 4) <= contextSize);
        var lineStarts = Enumerable.Range(0, request.Prefix.Length).Where(i => i == 0 || request.Prefix[i - 1] == '\n');
        Assert.Contains(lineStarts, start => engine.Tokenize(request.Prefix[start..]).SequenceEqual(prefix));
        var lineEnds = Enumerable.Range(1, request.Suffix.Length).Where(i => request.Suffix[i - 1] == '\n');
        Assert.True(suffix.Length == 0 || lineEnds.Any(end => engine.Tokenize(request.Suffix[..end]).SequenceEqual(suffix)));
    }
}
