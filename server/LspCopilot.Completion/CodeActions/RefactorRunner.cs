using System.Diagnostics;
using LspCopilot.Completion.Chat;

namespace LspCopilot.Completion.CodeActions;

/// <summary>What a refactor came to: the document's new text, the verdict of the check, the layout and the candidates it took.</summary>
public sealed record RefactorOutcome(string NewText, ProposalVerdict Verdict, string Layout, int Candidate, int Tried);

/// <summary>
/// Asks the model for a replacement of the subject's span and checks it: the first proposal greedy, then up to
/// <see cref="ExtraCandidates"/> sampled ones while none is clean (adds no compile error; for a fix, removes the
/// diagnostic). Through the engine's chat when it has one — the code is taken from the reply by
/// <see cref="ReplyCode"/> — else through fill-in-the-middle, whose output is the code. Fails with
/// <see cref="CodeActionException"/> saying why when no proposal is clean; never returns an edit that breaks the build.
/// </summary>
public sealed class RefactorRunner(ICompletionEngine engine, ServerLog log)
{
    /// <summary>Sampling temperature of the extra candidates (the first keeps the session's).</summary>
    private const float CandidateTemperature = 0.8f;

    /// <summary>Proposals sampled after the first when it is not clean (<c>codeActions.candidates</c>).</summary>
    public int ExtraCandidates { get; init; } = 3;

    public async Task<RefactorOutcome> RunAsync(CodeActionSubject subject, string task, IProposalCheck check, GenerationOptions generation, CancellationToken cancellationToken)
    {
        var chat = ChatEngines.RefactorChatOf(engine);
        var layout = chat?.ChatLayout ?? ChatEngines.FimRefactorLayout;
        var original = subject.Document.Text.ToString();
        var sized = generation with { MaxTokens = Math.Max(generation.MaxTokens, Math.Clamp(TokenEstimate.Count(subject.Code) * 2 + 128, 256, 2048)) };
        var clock = Stopwatch.StartNew();
        var verdicts = new Dictionary<string, ProposalVerdict>(StringComparer.Ordinal);
        string? firstNoCode = null;
        ProposalVerdict? firstRefused = null;
        var unchanged = 0;
        var total = 1 + Math.Max(0, ExtraCandidates);
        for (var i = 0; i < total; i++)
        {
            var options = i == 0 ? sized : sized with { Temperature = Math.Max(CandidateTemperature, sized.Temperature), Seed = sized.Seed + (uint)i };
            string code;
            try
            {
                code = chat is not null
                    ? await FromChatAsync(chat, subject, task, check, options, cancellationToken).ConfigureAwait(false)
                    : await FromFimAsync(subject, task, options, cancellationToken).ConfigureAwait(false);
            }
            catch (CodeActionException ex)
            {
                firstNoCode ??= ex.Message;
                log.Debug($"Refactor of {subject.Document.Uri}: candidate {i + 1} of {total} has no code ({ex.Message}).");
                continue;
            }

            if (!verdicts.TryGetValue(code, out var verdict))
            {
                verdict = await check.CheckAsync(code, cancellationToken).ConfigureAwait(false);
                verdicts[code] = verdict;
            }

            if (string.Equals(verdict.NewText, original, StringComparison.Ordinal))
            {
                unchanged++;
                continue;
            }

            if (verdict.Clean)
            {
                log.Info($"Refactor of {subject.Document.Uri} through {layout}: candidate {i + 1} of up to {total} is {(verdict.Checked ? "clean" : "applied without a compile check")} ({clock.ElapsedMilliseconds} ms).");
                return new RefactorOutcome(verdict.NewText, verdict, layout, i + 1, i + 1);
            }

            firstRefused ??= verdict;
            log.Debug($"Refactor of {subject.Document.Uri}: candidate {i + 1} of {total} refused: {Describe(verdict)}.");
        }

        log.Info($"Refactor of {subject.Document.Uri} through {layout}: no clean candidate in {total} ({clock.ElapsedMilliseconds} ms).");
        if (firstRefused is not null)
        {
            throw new CodeActionException(firstRefused.Fixed == false && firstRefused.AddedErrors.Count == 0
                ? $"None of the {total} proposals removes the error; nothing was changed."
                : $"None of the {total} proposals compiles cleanly, so nothing was changed. The first adds: {FirstErrors(firstRefused.AddedErrors)}");
        }

        if (unchanged > 0)
        {
            throw new CodeActionException($"The model proposed no change to the code ({unchanged} of {total} proposals were the code as it is).");
        }

        throw new CodeActionException(firstNoCode ?? "The model proposed no code.");
    }

    private static string Describe(ProposalVerdict verdict) =>
        verdict.AddedErrors.Count > 0 ? "adds " + FirstErrors(verdict.AddedErrors) : "the error is still there";

    /// <summary>The first three distinct errors (with how often each occurs) and how many more there are.</summary>
    private static string FirstErrors(IReadOnlyList<string> errors)
    {
        var distinct = errors.GroupBy(e => e, StringComparer.Ordinal).ToList();
        var shown = distinct.Take(3).Select(g => g.Count() > 1 ? $"{g.Key} (×{g.Count()})" : g.Key);
        var rest = distinct.Skip(3).Sum(g => g.Count());
        return string.Join("; ", shown) + (rest > 0 ? $"; and {rest} more" : string.Empty);
    }

    private async Task<string> FromChatAsync(IChatEngine chat, CodeActionSubject subject, string task, IProposalCheck check, GenerationOptions options, CancellationToken cancellationToken)
    {
        var request = new ChatRequest(CodeActionPrompts.Refactor(subject, task)) { Generation = options, ClientId = subject.Document.Session };
        var reply = await chat.ChatAsync(request, null, cancellationToken).ConfigureAwait(false);
        log.Debug($"Refactor reply ({reply.Layout}, {reply.Stats.GeneratedTokens} tokens, stop: {reply.Reason}).");
        return ReplyCode.Extract(reply.Text, subject.LanguageId, check.IsCode);
    }

    private async Task<string> FromFimAsync(CodeActionSubject subject, string task, GenerationOptions options, CancellationToken cancellationToken)
    {
        var request = CodeActionPrompts.RefactorFim(subject, task, options);
        var result = await engine.CompleteAsync(request, null, cancellationToken).ConfigureAwait(false);
        var code = SuggestionPostProcessor.Clean(ReasoningText.Answer(result.Text), request.Suffix, CompletionMode.MultiLine);
        if (code.Trim().Length == 0)
        {
            throw new CodeActionException("The model proposed no code (its completion of the span was empty).");
        }

        return code;
    }
}
