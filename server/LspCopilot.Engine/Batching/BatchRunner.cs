using System.Diagnostics;
using LLama;
using LLama.Native;
using LspCopilot.Completion;

namespace LspCopilot.Engine.Batching;

/// <summary>
/// Continuous batching on the engine thread: the requests of several clients are decoded together, one llama.cpp
/// batch per step, each in its client's own sequence (<see cref="ClientSequences"/>, prefix reuse kept per client).
/// A step holds the next token of every request that is generating plus at most one prompt chunk (with a prompt's odd
/// remainder: a batch under a whole chunk decodes slowly on CPUs, see <see cref="KvCache.ChunkRows"/>), taken in turns
/// from the requests still prefilling, so a long prompt never holds another client's next token back by more than
/// one chunk. A request a few prompt rows from its first token (a keystroke's edit) gets a step without the others'
/// next tokens, never two such steps in a row (<see cref="FirstTokenRows"/>). New requests join between steps; a
/// cancelled one leaves at the next step (its sequence keeps what was decoded). Runs until no request is left.
/// </summary>
internal sealed class BatchRunner(
    LLamaContext context,
    KvCache completion,
    ClientSequences clients,
    KvBudget budget,
    PromptBuilder prompts,
    FimLayout fim,
    int chunkSize,
    Action progressed,
    Action<CompletionResult> finished)
{
    /// <summary>
    /// Prompt rows a request may have left for its first token to come from a step of its own: a keystroke's edit
    /// re-decodes two or three tokens. On llama.cpp's CPU kernels a step costs about its rows (each row's attention walks
    /// its sequence's cells on its own), so leaving the generating requests' tokens to the next step brings the first
    /// token a few rows' time closer and delays theirs by as much. <c>bench --suite team</c>, three alternating pairs:
    /// first partial p50 at 4 editors 5.9/5.6/5.5 → 5.4/4.4/5.0 ms, at 8 editors 9.9/10.2/9.3 → 8.1/7.1/7.3 ms, aggregate
    /// tokens/s no lower.
    /// </summary>
    internal const int FirstTokenRows = 8;

    private readonly LLamaBatch _batch = new();
    private int _turn;
    private bool _generatingWaited;

    /// <summary>Raised on the engine thread after each decode (for tests of fairness).</summary>
    public event Action<BatchStep>? Stepped;

    /// <summary>Serves what <paramref name="admit"/> hands over (given the clients already in the batch) until nothing is left.</summary>
    public void Run(Func<IReadOnlyCollection<string>, BatchedRequest?> admit)
    {
        var active = new List<BatchSlot>();
        BatchedRequest? deferred = null;
        try
        {
            while (true)
            {
                deferred = Admit(active, deferred, admit);
                if (active.Count == 0)
                {
                    return;
                }

                Step(active);
            }
        }
        catch (Exception ex)
        {
            foreach (var slot in active)
            {
                // A failed decode leaves the sequence in an unknown state: start it from scratch next time.
                slot.Cache.Clear();
                slot.Item.Failed(ex);
            }

            deferred?.Failed(ex);
            active.ForEach(Leave);
        }
    }

    /// <summary>Lets in new requests while there is a sequence for them and the context has room; returns the one that must wait for room.</summary>
    private BatchedRequest? Admit(List<BatchSlot> active, BatchedRequest? deferred, Func<IReadOnlyCollection<string>, BatchedRequest?> admit)
    {
        for (var i = active.Count - 1; i >= 0; i--)
        {
            if (active[i].Item.Token.IsCancellationRequested)
            {
                active[i].Item.Cancelled();
                Leave(active[i]);
                active.RemoveAt(i);
            }
        }

        while (active.Count < clients.Slots)
        {
            var item = deferred ?? admit([.. active.Select(s => s.Item.Client)]);
            deferred = null;
            if (item is null)
            {
                return null;
            }

            if (item.Token.IsCancellationRequested)
            {
                item.Cancelled();
                continue;
            }

            List<LLamaToken> prompt;
            try
            {
                item.Request.Trace?.Mark(LatencyTrace.Stages.EngineThread);
                prompt = prompts.Build(item.Request, (int)context.ContextSize);
                item.Request.Trace?.Mark(LatencyTrace.Stages.PromptBuilt);
            }
            catch (Exception ex)
            {
                item.Failed(ex);
                continue;
            }

            // Every request's whole prompt and tokens must fit the context together; one that does not waits its turn.
            if (active.Count > 0 && active.Sum(s => s.Demand) + prompt.Count + item.Request.Generation.MaxTokens > (int)context.ContextSize)
            {
                return item;
            }

            active.Add(new BatchSlot(item, clients.Join(completion, item.Client), prompt, context, fim, Stopwatch.StartNew()));
        }

        return deferred;
    }

    private void Step(List<BatchSlot> active)
    {
        _batch.Clear();
        var generating = new List<string>();
        var waiting = active.Where(s => s.Prefilling).ToList();
        _generatingWaited = !_generatingWaited && waiting.Any(NearFirstToken) && active.Any(s => s.Generating);
        foreach (var slot in active.Where(s => s.Generating && !_generatingWaited))
        {
            slot.AddPending(_batch);
            generating.Add(slot.Item.Client);
        }

        var prefilled = new Dictionary<string, int>();
        var free = Math.Max(1, (int)context.BatchSize - _batch.TokenCount);
        var room = Math.Clamp(chunkSize, 1, free);
        // In turns; in a step of their own, the prompts about to give their first token first.
        List<BatchSlot> order = [.. waiting.Skip(_turn % Math.Max(1, waiting.Count)), .. waiting.Take(_turn % Math.Max(1, waiting.Count))];
        if (_generatingWaited)
        {
            order = [.. order.Where(NearFirstToken), .. order.Where(s => !NearFirstToken(s))];
        }

        for (var i = 0; i < order.Count && room > 0; i++)
        {
            var slot = order[i];

            // The first prompt of the step takes its odd remainder with its last whole chunk (KvCache.ChunkRows's rule).
            var take = i == 0 && slot.Remaining < 2 * room ? KvCache.ChunkRows(slot.Remaining, room, free) : room;
            var added = slot.AddPrefill(_batch, take);
            prefilled[slot.Item.Client] = added;
            room -= added;
        }

        _turn++;
        budget.ReserveForBatch(_batch.TokenCount);
        progressed();
        var result = context.Decode(_batch);
        if (result != DecodeResult.Ok)
        {
            throw new InvalidOperationException($"llama_decode failed: {result}");
        }

        foreach (var slot in active)
        {
            slot.Decoded();
        }

        Stepped?.Invoke(new BatchStep(prefilled, generating));
        for (var i = 0; i < active.Count; i++)
        {
            var slot = active[i];
            if (slot.LogitsIndex < 0)
            {
                continue;
            }

            if (slot.Next(progressed) is { } done)
            {
                finished(done);
                slot.Item.Completed(done);
                Leave(slot);
                active.RemoveAt(i--);
            }
        }
    }

    private static bool NearFirstToken(BatchSlot slot) => slot.Remaining <= FirstTokenRows;

    private void Leave(BatchSlot slot)
    {
        clients.Leave(slot.Cache);
        slot.Dispose();
    }
}
