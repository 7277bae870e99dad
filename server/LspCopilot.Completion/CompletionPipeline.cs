using System.Diagnostics;

namespace LspCopilot.Completion;

/// <summary>
/// Cursor in, suggestion out: ask the gate/context provider, cut prefix and suffix at the cursor,
/// run the engine (streaming), clean the text. When the plan carries a ranker (the Roslyn provider's
/// do) and the suggestion spans lines, the greedy suggestion is compile-checked; if it adds errors,
/// more candidates are sampled, the best one is returned and the engine remembers it in place of the
/// greedy text. Shared by the LSP handler and the command line.
/// </summary>
public sealed class CompletionPipeline(ICompletionEngine engine, ICompletionContextProvider contexts, GenerationOptions generation, ServerLog log)
{
    /// <summary>Sampling temperature of the extra candidates (the greedy one keeps the request's).</summary>
    private const float CandidateTemperature = 0.8f;

    /// <summary>Alternatives use other seeds than the compile check's candidates, so that they are not the same texts.</summary>
    private const uint AlternativeSeedOffset = 100;

    public ICompletionEngine Engine => engine;

    public GenerationOptions Generation => generation;

    /// <summary>Most candidates per suggestion, the greedy one included; 1 turns the compile check off.</summary>
    public int Candidates { get; init; } = 3;

    /// <summary>The user's choice of single-line, multi-line or automatic (the gate's) suggestions.</summary>
    public SuggestionMode Mode { get; init; } = SuggestionMode.Auto;

    /// <summary>
    /// Returns null when the gate declines. <paramref name="onText"/> receives the cleaned text so far
    /// (of the greedy candidate).
    /// </summary>
    public Task<Suggestion?> CompleteAsync(DocumentSnapshot document, int offset, Action<string>? onText, CancellationToken cancellationToken) =>
        CompleteAsync(document, offset, onText, null, cancellationToken);

    /// <summary>
    /// Like <see cref="CompleteAsync(DocumentSnapshot, int, Action{string}?, CancellationToken)"/>, then, when
    /// <paramref name="alternatives"/> asks for more, samples other suggestions on the same prompt (its cached prefix
    /// makes them cheap) after the first is ready — never before it.
    /// </summary>
    public async Task<Suggestion?> CompleteAsync(DocumentSnapshot document, int offset, Action<string>? onText, AlternativeRequest? alternatives, CancellationToken cancellationToken)
    {
        var trace = LatencyTrace.Current;
        var plan = await contexts.PlanAsync(document, offset, cancellationToken).ConfigureAwait(false);
        trace?.Mark(LatencyTrace.Stages.Planned);
        if (plan is null)
        {
            log.Trace($"No completion at {document.Uri}@{offset}: the gate declined.");
            return null;
        }

        plan = SuggestionModes.Apply(Mode, plan, document, offset);

        var text = document.Text;
        var prefix = text.ToString(new Microsoft.CodeAnalysis.Text.TextSpan(0, offset));
        var suffix = text.ToString(Microsoft.CodeAnalysis.Text.TextSpan.FromBounds(offset, text.Length));
        var request = new CompletionRequest(prefix, suffix, plan.Mode)
        {
            Context = plan.Context,
            Generation = generation,
            Stopper = plan.Stopper,
            ClientId = document.Session,
            Trace = trace,
        };

        // A syntax-aware stopper also knows how to clean (e.g. a "}" that repeats the next line but closes the suggestion's own block).
        Func<string, string> clean = plan.Cleaner is { } cleaner
            ? raw => cleaner.Clean(raw, suffix, plan.Mode)
            : raw => SuggestionPostProcessor.Clean(raw, suffix, plan.Mode);
        Action<string>? sink = onText is null ? null : partial =>
        {
            var cleanedSoFar = clean(partial);
            if (trace is not null && cleanedSoFar.Length > 0)
            {
                trace.Mark(LatencyTrace.Stages.FirstClean);
            }

            onText(cleanedSoFar);
        };
        var result = await engine.CompleteAsync(request, sink, cancellationToken).ConfigureAwait(false);
        var cleaned = clean(result.Text);
        log.Debug($"Completed {document.Uri}@{offset} ({plan.Mode}): {result.Stats.PromptTokens} prompt tokens ({result.Stats.ReusedTokens} reused), {result.Stats.GeneratedTokens} generated, first token {result.Stats.TimeToFirstToken.TotalMilliseconds:F1} ms, stop: {result.Reason}.");
        var greedy = new Suggestion(cleaned, result);
        var chosen = greedy;

        // A cached answer (a repeat, typing through) was checked when it was first computed.
        if (plan.Ranker is { } ranker && Candidates > 1 && cleaned.Trim().Length > 0 && plan.Mode == CompletionMode.MultiLine && result.Reason != StopReason.Cached)
        {
            chosen = await CheckedAsync(ranker, document, offset, request, clean, greedy, cancellationToken).ConfigureAwait(false);
            if (!ReferenceEquals(chosen.Raw, greedy.Raw))
            {
                // Repeats and typing-through must show what the user saw, not the greedy text the check replaced.
                await engine.RememberAsync(request, chosen.Raw.Text, cancellationToken).ConfigureAwait(false);
            }
        }

        if (alternatives is not { Count: > 0 } || chosen.Text.Trim().Length == 0)
        {
            return chosen;
        }

        if (alternatives.FirstReady is { } firstReady)
        {
            await firstReady(chosen).ConfigureAwait(false);
        }

        return chosen with { Alternatives = await AlternativesAsync(request, clean, chosen, alternatives, cancellationToken).ConfigureAwait(false) };
    }

    /// <summary>
    /// Up to <see cref="AlternativeRequest.Count"/> sampled suggestions that differ from <paramref name="first"/> and
    /// from each other (at most twice as many engine calls: a small model often samples the same text again).
    /// </summary>
    private async Task<IReadOnlyList<string>> AlternativesAsync(CompletionRequest request, Func<string, string> clean, Suggestion first, AlternativeRequest alternatives, CancellationToken cancellationToken)
    {
        var found = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal) { first.Text.Trim() };
        for (var attempt = 0; attempt < alternatives.Count * 2 && found.Count < alternatives.Count; attempt++)
        {
            var sampled = request with
            {
                Generation = generation with { Temperature = Math.Max(CandidateTemperature, generation.Temperature), Seed = generation.Seed + AlternativeSeedOffset + (uint)attempt },
                Trace = null,
            };
            var result = await engine.CompleteAsync(sampled, null, cancellationToken).ConfigureAwait(false);
            var text = clean(result.Text);
            if (text.Trim().Length > 0 && seen.Add(text.Trim()))
            {
                found.Add(text);
                alternatives.Sampled?.Invoke([first.Text, .. found]);
            }
        }

        log.Debug($"Sampled {found.Count} alternative(s) of {alternatives.Count} asked.");
        return found;
    }

    /// <summary>
    /// The greedy suggestion if it adds no compile error; else the best of it and up to
    /// <see cref="Candidates"/>−1 sampled alternatives. (Sampling more while the greedy one is clean
    /// could not change the answer: clean candidates keep their sampled order.)
    /// </summary>
    private async Task<Suggestion> CheckedAsync(ICandidateRanker ranker, DocumentSnapshot document, int offset, CompletionRequest request, Func<string, string> clean, Suggestion greedy, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var first = await ranker.RankAsync(document, offset, [greedy.Text], cancellationToken).ConfigureAwait(false);
        if (first.Ranked is [{ AddedErrors: 0 }, ..])
        {
            return greedy;
        }

        var suggestions = new List<Suggestion> { greedy };
        for (var i = 1; i < Candidates; i++)
        {
            var sampled = request with { Generation = generation with { Temperature = Math.Max(CandidateTemperature, generation.Temperature), Seed = generation.Seed + (uint)i } };
            var result = await engine.CompleteAsync(sampled, null, cancellationToken).ConfigureAwait(false);
            suggestions.Add(new Suggestion(clean(result.Text), result));
        }

        var ranking = await ranker.RankAsync(document, offset, [.. suggestions.Select(s => s.Text)], cancellationToken).ConfigureAwait(false);
        var best = ranking.Ranked.Count > 0 ? suggestions[ranking.Ranked[0].Index] : greedy;
        var firstErrors = first.Ranked is [var g, ..] ? string.Join("; ", g.Errors.Take(2)) : string.Empty;
        log.Debug($"Compile check at {document.Uri}@{offset}: the greedy suggestion adds errors ({firstErrors}); sampled {suggestions.Count}, dropped {ranking.Dropped}, chose #{(ranking.Ranked.Count > 0 ? ranking.Ranked[0].Index : 0)} with {(ranking.Ranked.Count > 0 ? ranking.Ranked[0].AddedErrors : 0)} added error(s) in {clock.ElapsedMilliseconds} ms.");
        return best with { CandidatesSampled = suggestions.Count, CandidatesDropped = ranking.Dropped };
    }
}
