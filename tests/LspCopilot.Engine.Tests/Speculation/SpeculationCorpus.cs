using LspCopilot.Completion;

namespace LspCopilot.Engine.Tests.Speculation;

/// <summary>Greedy requests that cover every way generation stops: the token limit, end of generation, the end of the line and a stopper.</summary>
internal static class SpeculationCorpus
{
    private static readonly string s_repeated = string.Join('\n', Enumerable.Range(0, 6).Select(i =>
        $"Lily saw a big red ball in the park. She said, \"Can I play with the ball?\" Her mom said yes {i}."));

    private static readonly string s_plain =
        "The old fisherman counted seven gulls above the harbour while a girl in a yellow coat sold warm bread.";

    public static IEnumerable<(string Name, CompletionRequest Request)> Requests()
    {
        yield return ("repeated text", Request(s_repeated + "\nLily saw", "", CompletionMode.MultiLine, 96));
        yield return ("repeated text, fim", Request(s_repeated + "\nLily saw a", "\nThe end.\n", CompletionMode.MultiLine, 96));
        yield return ("plain text", Request(s_plain, "", CompletionMode.MultiLine, 64));
        yield return ("one line", Request(s_repeated + "\nHer mom", "", CompletionMode.SingleLine, 96));
        yield return ("story opening", Request("Once upon a time", "", CompletionMode.MultiLine, 128));
        yield return ("stopper", Request(s_repeated + "\nLily", "", CompletionMode.MultiLine, 96) with { Stopper = new StopAfter("ball") });
        yield return ("short limit", Request(s_repeated + "\nShe said", "", CompletionMode.MultiLine, 3));
    }

    private static CompletionRequest Request(string prefix, string suffix, CompletionMode mode, int maxTokens) =>
        new(prefix, suffix, mode) { Generation = new GenerationOptions { MaxTokens = maxTokens } };

    /// <summary>Stops after the second occurrence of a word, keeping the text up to it.</summary>
    private sealed class StopAfter(string word) : ICompletionStopper
    {
        public int? FindStop(string generated)
        {
            var first = generated.IndexOf(word, StringComparison.Ordinal);
            var second = first < 0 ? -1 : generated.IndexOf(word, first + 1, StringComparison.Ordinal);
            return second < 0 ? null : second + word.Length;
        }
    }
}
