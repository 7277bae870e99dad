using System.Diagnostics;
using LLama;
using LLama.Native;
using LLama.Sampling;
using LspCopilot.Completion;
using LspCopilot.Engine.Speculation;

namespace LspCopilot.Engine;

/// <summary>
/// Runs one fill-in-the-middle completion on the engine thread: builds the prompt, brings the completion sequence's
/// KV cache to it (<see cref="KvCache.Prefill"/>), and generates until end-of-generation, the token limit, the end of
/// the line (single-line mode) or the stopper. <c>verifyTile</c>: the rows of a batch that llama.cpp decodes much faster
/// than a few rows less (64 with the CPU backend's flash attention, 0 when there is no such step): a verification step
/// of at least an eighth of it is padded to it.
/// </summary>
internal sealed class CompletionRunner(
    LLamaContext context,
    KvCache cache,
    PromptBuilder prompts,
    FimLayout fim,
    bool fillsEveryCore,
    Speculator? speculator,
    int verifyTile,
    Func<int> freeCells,
    Action<EnginePhase> phaseChanged,
    Action progressed)
{
    /// <summary>Verification steps decoded as a whole tile of rows, filler included (for tests).</summary>
    public int TileSteps { get; private set; }

    /// <summary>The previous request's prompt (traced requests count what changed against it).</summary>
    private IReadOnlyList<LLamaToken>? _lastPrompt;

    public CompletionResult Run(CompletionRequest request, Action<string>? onText, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var trace = request.Trace;
        trace?.Mark(LatencyTrace.Stages.EngineThread);
        var prompt = prompts.Build(request, (int)context.ContextSize);
        if (trace is not null)
        {
            trace.Mark(LatencyTrace.Stages.PromptBuilt);
            trace.Count(LatencyTrace.Counts.Prompt, prompt.Count);
            trace.Count(LatencyTrace.Counts.MinimumChanged, MinimumChanged(_lastPrompt, prompt));
        }

        _lastPrompt = prompt;
        try
        {
            phaseChanged(EnginePhase.Prefill);
            var prefill = cache.Prefill(prompt, ct, trace is null ? null : () => trace.Mark(LatencyTrace.Stages.ReusePlanned));
            trace?.Mark(LatencyTrace.Stages.Prefilled);
            trace?.Count(LatencyTrace.Counts.Reprefill, prefill.Decoded);
            phaseChanged(EnginePhase.Generate);
            return Generate(request, prompt.Count, prefill, onText, clock, ct);
        }
        catch (OperationCanceledException)
        {
            throw;
        }
        catch
        {
            // A failed decode leaves the KV cache in an unknown state: start from scratch next time.
            cache.Clear();
            speculator?.Reset();
            throw;
        }
        finally
        {
            phaseChanged(EnginePhase.Idle);
        }
    }

    private CompletionResult Generate(CompletionRequest request, int promptTokens, PrefillResult prefill, Action<string>? onText, Stopwatch clock, CancellationToken ct)
    {
        var generation = request.Generation;
        using var sampler = SamplingPipelines.For(generation);
        var vocab = context.NativeHandle.ModelHandle.Vocab;
        var contextSize = (int)context.ContextSize;
        var text = new CompletionText(context);
        var generated = 0;
        var ttft = TimeSpan.Zero;
        var reason = StopReason.TokenLimit;
        var logitsAt = prefill.LogitsIndex;

        // Speculation only where it cannot change the output: greedy choice, verified token by token.
        var speculating = generation.Temperature <= 0 ? speculator : null;
        var drafts = new List<LLamaToken>();
        var drafted = 0;
        var draftAccepted = 0;
        LLamaToken? carried = null;

        // Takes one chosen token exactly as plain decoding does; true when generation stops at it.
        bool Take(LLamaToken next)
        {
            if (generated == 0)
            {
                ttft = clock.Elapsed;
                request.Trace?.Mark(LatencyTrace.Stages.FirstToken);
            }

            generated++;
            progressed();
            if (next.IsEndOfGeneration(vocab) || CompletionText.IsFimControl(fim, next))
            {
                reason = StopReason.EndOfGeneration;
                return true;
            }

            sampler.Accept(next);
            if (text.Add(next, request) is { } stop)
            {
                reason = stop;
                return true;
            }

            if (onText is not null)
            {
                request.Trace?.Mark(LatencyTrace.Stages.FirstText);
                onText(text.ToString());
                if (generated == 1 && fillsEveryCore)
                {
                    // Pause a millisecond before decoding on: when llama.cpp's threads fill every core, the
                    // threads that pass the first text on to the editor wait for a core otherwise (measured on
                    // 2 cores with bench --suite keystroke: ~3 ms off the first $/progress in process, ~1.5 ms
                    // through the worker, for 1 ms more on the whole suggestion).
                    Thread.Sleep(1);
                }
            }

            return false;
        }

        while (generated < generation.MaxTokens)
        {
            ct.ThrowIfCancellationRequested();
            if (cache.Count >= contextSize)
            {
                reason = StopReason.ContextFull;
                break;
            }

            var next = carried ?? sampler.Sample(context.NativeHandle, logitsAt);
            carried = null;
            if (Take(next))
            {
                break;
            }

            // Never guess past the token limit, leave room so that every verified row is one plain decoding could sample, and
            // never take cells a kept conversation holds for guesses (the token itself takes one, as before).
            var cells = Math.Min(contextSize - cache.Count - 2, freeCells() - 1);
            var room = Math.Min(generation.MaxTokens - generated, cells);
            drafts.Clear();
            if (speculating is null || room <= 0)
            {
                cache.Append(next);
                logitsAt = 0;
                continue;
            }

            speculating.Propose(cache.Tokens, next, room, drafts, ct);
            if (drafts.Count == 0)
            {
                cache.Append(next);
                speculating.DecodedPlainly();
                logitsAt = 0;
                continue;
            }

            var rows = 1 + drafts.Count;
            if (verifyTile > rows && rows * 8 >= verifyTile && cells >= verifyTile)
            {
                rows = verifyTile;
            }

            if (rows == verifyTile)
            {
                TileSteps++;
            }

            var step = Verify(next, drafts, rows, sampler, Take, ct);
            speculating.Verified(step.Judged, step.Accepted);
            drafted += step.Judged;
            draftAccepted += step.Accepted;
            if (step.Stopped)
            {
                break;
            }

            carried = step.Carried;
            logitsAt = step.Accepted;
        }

        var final = text.ToString();
        if (reason is not (StopReason.TokenLimit or StopReason.ContextFull))
        {
            onText?.Invoke(final);
        }

        var stats = new CompletionStats(promptTokens, prefill.Reused, generated, ttft, clock.Elapsed)
        {
            Shifted = prefill.Shifted,
            Drafted = drafted,
            DraftAccepted = draftAccepted,
        };
        return new CompletionResult(final, reason, stats);
    }

    /// <summary>
    /// Decodes <paramref name="next"/> and the drafts in one batch and takes the drafts the model itself would have chosen, in
    /// order, through <paramref name="take"/>. The first it would not have chosen, and everything after it, leave the KV
    /// cache; the model's own choice there is carried to the next step (its logits are already known). A stop at an
    /// accepted draft leaves the cache as plain decoding would have: without the token it stopped at.
    /// </summary>
    private VerifyResult Verify(LLamaToken next, List<LLamaToken> drafts, int rows, BaseSamplingPipeline sampler, Func<LLamaToken, bool> take, CancellationToken ct)
    {
        var start = cache.Count;
        cache.AppendVerified(next, drafts, rows);
        for (var accepted = 0; accepted < drafts.Count; accepted++)
        {
            if (ct.IsCancellationRequested)
            {
                // Cancelled between two tokens, as plain decoding is: the cache keeps what was taken, no more.
                cache.TrimTo(start + 1 + accepted);
                ct.ThrowIfCancellationRequested();
            }

            var chosen = sampler.Sample(context.NativeHandle, accepted);
            if (chosen != drafts[accepted])
            {
                cache.TrimTo(start + 1 + accepted);
                return new VerifyResult(accepted + 1, accepted, chosen, Stopped: false);
            }

            if (take(chosen))
            {
                cache.TrimTo(start + 1 + accepted);
                return new VerifyResult(accepted + 1, accepted + 1, null, Stopped: true);
            }
        }

        return new VerifyResult(drafts.Count, drafts.Count, null, Stopped: false);
    }

    /// <summary>
    /// A verification step: <see cref="Judged"/> drafts were compared with the model's own choice (those after a stop are
    /// not: they count neither as accepted nor as rejected), <see cref="Accepted"/> of them matched.
    /// </summary>
    private readonly record struct VerifyResult(int Judged, int Accepted, LLamaToken? Carried, bool Stopped);

    /// <summary>
    /// The least a prompt needs decoded after <paramref name="previous"/>: the tokens outside their common prefix
    /// and common suffix, plus the last token when it is in the common suffix (its logits choose the first
    /// new token). At least one.
    /// </summary>
    internal static int MinimumChanged(IReadOnlyList<LLamaToken>? previous, IReadOnlyList<LLamaToken> prompt)
    {
        if (previous is null)
        {
            return prompt.Count;
        }

        var limit = Math.Min(previous.Count, prompt.Count);
        var prefix = 0;
        while (prefix < limit && previous[prefix] == prompt[prefix])
        {
            prefix++;
        }

        var suffix = 0;
        while (suffix < limit - prefix && previous[previous.Count - 1 - suffix] == prompt[prompt.Count - 1 - suffix])
        {
            suffix++;
        }

        return Math.Max(1, prompt.Count - prefix - suffix + (suffix > 0 ? 1 : 0));
    }
}
