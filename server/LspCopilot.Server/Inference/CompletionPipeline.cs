using LspCopilot.Server.Configuration;
using LspCopilot.Server.Documents;
using LspCopilot.Server.Logging;

namespace LspCopilot.Server.Inference;

/// <summary>A cleaned suggestion ready for the editor, with the engine's figures.</summary>
public sealed record Suggestion(string Text, CompletionResult Raw);

/// <summary>
/// Cursor in, suggestion out: ask the gate/context provider, cut prefix and suffix at the cursor,
/// run the engine (streaming), clean the text. Shared by the LSP handler and the command line.
/// </summary>
public sealed class CompletionPipeline(ICompletionEngine engine, ICompletionContextProvider contexts, GenerationOptions generation, ServerLog log)
{
    public ICompletionEngine Engine => engine;

    public GenerationOptions Generation => generation;

    /// <summary>
    /// Returns null when the gate declines. <paramref name="onText"/> receives the cleaned text so far.
    /// </summary>
    public async Task<Suggestion?> CompleteAsync(DocumentSnapshot document, int offset, Action<string>? onText, CancellationToken cancellationToken)
    {
        var plan = await contexts.PlanAsync(document, offset, cancellationToken).ConfigureAwait(false);
        if (plan is null)
        {
            log.Trace($"No completion at {document.Uri}@{offset}: the gate declined.");
            return null;
        }

        var text = document.Text;
        var prefix = text.ToString(new Microsoft.CodeAnalysis.Text.TextSpan(0, offset));
        var suffix = text.ToString(Microsoft.CodeAnalysis.Text.TextSpan.FromBounds(offset, text.Length));
        var request = new CompletionRequest(prefix, suffix, plan.Mode)
        {
            Context = plan.Context,
            Generation = generation,
            Stopper = plan.Stopper,
            DocumentKey = document.Session + "|" + document.Uri,
            ClientId = document.Session,
        };

        Action<string>? sink = onText is null ? null : partial => onText(SuggestionPostProcessor.Clean(partial, suffix, plan.Mode));
        var result = await engine.CompleteAsync(request, sink, cancellationToken).ConfigureAwait(false);
        var cleaned = SuggestionPostProcessor.Clean(result.Text, suffix, plan.Mode);
        log.Debug($"Completed {document.Uri}@{offset} ({plan.Mode}): {result.Stats.PromptTokens} prompt tokens ({result.Stats.ReusedTokens} reused), {result.Stats.GeneratedTokens} generated, first token {result.Stats.TimeToFirstToken.TotalMilliseconds:F1} ms, stop: {result.Reason}.");
        return new Suggestion(cleaned, result);
    }
}
