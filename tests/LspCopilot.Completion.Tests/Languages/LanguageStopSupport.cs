using Microsoft.CodeAnalysis.Text;

namespace LspCopilot.Completion.Tests.Languages;

/// <summary>Plans a cursor marked <c>$$</c> with the text gate and streams a model's text through the plan's stop rules.</summary>
internal static class LanguageStopSupport
{
    public static CompletionPlan Plan(string languageId, string uri, string marked)
    {
        var offset = marked.IndexOf("$$", StringComparison.Ordinal);
        var document = new DocumentSnapshot(uri, languageId, 1, SourceText.From(marked.Remove(offset, 2)));
        return new TextCompletionGate().PlanAsync(document, offset, TestContext.Current.CancellationToken).AsTask().GetAwaiter().GetResult()
            ?? throw new InvalidOperationException("The gate declined.");
    }

    /// <summary>What the engine keeps of <paramref name="generated"/>, fed one character at a time as a stream is.</summary>
    public static string Kept(string languageId, string uri, string marked, string generated)
    {
        var plan = Plan(languageId, uri, marked);
        for (var i = 1; i <= generated.Length; i++)
        {
            var so = generated[..i];
            if (plan.Mode == CompletionMode.SingleLine && so.EndsWith('\n'))
            {
                return so[..^1];
            }

            if (plan.Stopper?.FindStop(so) is int keep)
            {
                return so[..keep];
            }
        }

        return generated;
    }
}
