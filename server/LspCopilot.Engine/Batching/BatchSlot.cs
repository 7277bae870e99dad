using System.Diagnostics;
using LLama;
using LLama.Native;
using LLama.Sampling;
using LspCopilot.Completion;

namespace LspCopilot.Engine.Batching;

/// <summary>
/// One client's request inside a batch: its prompt, how much of it its sequence holds, and its generation. Each
/// token is handled the way the single-request path handles it (end of generation, FIM markers, end of line in
/// single-line mode, the stopper, streaming), so a request gives the same text batched as alone.
/// </summary>
internal sealed class BatchSlot : IDisposable
{
    private readonly LLamaContext _context;
    private readonly FimLayout _fim;
    private readonly BaseSamplingPipeline _sampler;
    private readonly CompletionText _text;
    private readonly List<LLamaToken> _inFlight = [];
    private readonly Stopwatch _clock;
    private TimeSpan _ttft;
    private int _generated;
    private LLamaToken? _pending;

    public BatchSlot(BatchedRequest item, KvCache cache, IReadOnlyList<LLamaToken> prompt, LLamaContext context, FimLayout fim, Stopwatch clock)
    {
        Item = item;
        Cache = cache;
        Prompt = prompt;
        _context = context;
        _fim = fim;
        _clock = clock;
        Reused = cache.KeepPrefixOf(prompt);
        // The latency trace's counts, as the single-request path keeps them (its least-changed count needs its last prompt).
        item.Request.Trace?.Count(LatencyTrace.Counts.Prompt, prompt.Count);
        item.Request.Trace?.Count(LatencyTrace.Counts.Reprefill, prompt.Count - Reused);
        _sampler = SamplingPipelines.For(item.Request.Generation);
        _text = new CompletionText(context);
    }

    public BatchedRequest Item { get; }

    public KvCache Cache { get; }

    public IReadOnlyList<LLamaToken> Prompt { get; }

    /// <summary>Prompt tokens the sequence already held (prefix reuse).</summary>
    public int Reused { get; }

    /// <summary>Where this slot's logits are in the batch just decoded; -1 when it asked for none.</summary>
    public int LogitsIndex { get; private set; } = -1;

    public bool Prefilling => _pending is null && Cache.Count + _inFlight.Count < Prompt.Count;

    public bool Generating => _pending is not null;

    /// <summary>Prompt tokens neither in the sequence nor in the batch being built.</summary>
    public int Remaining => Prompt.Count - Cache.Count - _inFlight.Count;

    /// <summary>Cells this request may still need: the rest of its prompt and its tokens.</summary>
    public int Demand => Prompt.Count + Item.Request.Generation.MaxTokens;

    /// <summary>Adds up to <paramref name="max"/> of the prompt tokens not yet in the sequence; returns how many.</summary>
    public int AddPrefill(LLamaBatch batch, int max)
    {
        var from = Cache.Count;
        var count = Math.Min(max, Prompt.Count - from);
        for (var i = 0; i < count; i++)
        {
            var last = from + i == Prompt.Count - 1;
            if (last)
            {
                LogitsIndex = batch.TokenCount;
            }

            batch.Add(Prompt[from + i], from + i, Cache.Sequence, last);
            _inFlight.Add(Prompt[from + i]);
        }

        if (LogitsIndex >= 0)
        {
            Item.Request.Trace?.Mark(LatencyTrace.Stages.Prefilled);
        }

        return count;
    }

    /// <summary>Adds the token generated last, whose logits choose the next.</summary>
    public void AddPending(LLamaBatch batch)
    {
        LogitsIndex = batch.TokenCount;
        batch.Add(_pending!.Value, Cache.Count, Cache.Sequence, true);
        _inFlight.Add(_pending.Value);
        _pending = null;
    }

    /// <summary>The batch was decoded: the sequence holds this slot's tokens of it.</summary>
    public void Decoded()
    {
        foreach (var token in _inFlight)
        {
            Cache.Decoded(token);
        }

        _inFlight.Clear();
    }

    /// <summary>Chooses the next token from this slot's logits; the result when the request is finished, else null.</summary>
    public CompletionResult? Next(Action progressed)
    {
        var index = LogitsIndex;
        LogitsIndex = -1;
        var request = Item.Request;
        if (_generated >= request.Generation.MaxTokens)
        {
            return Finish(StopReason.TokenLimit);
        }

        if (Cache.Count >= (int)_context.ContextSize)
        {
            return Finish(StopReason.ContextFull);
        }

        var next = _sampler.Sample(_context.NativeHandle, index);
        if (_generated == 0)
        {
            _ttft = _clock.Elapsed;
            request.Trace?.Mark(LatencyTrace.Stages.FirstToken);
        }

        _generated++;
        progressed();
        if (next.IsEndOfGeneration(_context.NativeHandle.ModelHandle.Vocab) || CompletionText.IsFimControl(_fim, next))
        {
            return Finish(StopReason.EndOfGeneration);
        }

        _sampler.Accept(next);
        if (_text.Add(next, request) is { } stop)
        {
            return Finish(stop);
        }

        if (Item.OnText is { } onText)
        {
            request.Trace?.Mark(LatencyTrace.Stages.FirstText);
            onText(_text.ToString());
        }

        if (_generated >= request.Generation.MaxTokens)
        {
            // The single-request path decodes this last token too; its text is the same without it.
            return Finish(StopReason.TokenLimit);
        }

        _pending = next;
        return null;
    }

    private CompletionResult Finish(StopReason reason)
    {
        var final = _text.ToString();
        if (reason is not (StopReason.TokenLimit or StopReason.ContextFull))
        {
            Item.OnText?.Invoke(final);
        }

        return new CompletionResult(final, reason, new CompletionStats(Prompt.Count, Reused, _generated, _ttft, _clock.Elapsed));
    }

    public void Dispose() => _sampler.Dispose();
}
