using System.Diagnostics;
using LspCopilot.Completion;

namespace LspCopilot.Server.Benchmarks;

/// <summary>
/// Times to first token of one engine, cold and warm, as the caller sees them (from the call to the first streamed
/// text) beside the engine's own; the benchmarks that compare two ways of reaching a model pair them request by request.
/// </summary>
internal sealed class TtftSamples
{
    private static readonly TimeSpan s_pause = TimeSpan.FromMilliseconds(30);

    public List<double> Cold { get; } = [];

    public List<double> Warm { get; } = [];

    /// <summary>The engine's own TTFT (from the start of its work to the first token), wherever it runs.</summary>
    public List<double> EngineCold { get; } = [];

    public List<double> EngineWarm { get; } = [];

    /// <summary>The caller's TTFT minus the engine's own (through the worker: JSON-RPC, pipes, thread hops).</summary>
    public List<double> Overhead { get; } = [];

    public int PromptTokens { get; private set; }

    public async Task AddAsync(ICompletionEngine engine, string prefix, bool warm, GenerationOptions generation, bool measured, CancellationToken ct)
    {
        // A pause, as between keystrokes: llama.cpp's threads spin a while after a decode, and would
        // steal the cores from the other engine's request.
        await Task.Delay(s_pause, ct).ConfigureAwait(false);
        var clock = Stopwatch.StartNew();
        long first = 0;
        var result = await engine.CompleteAsync(
            new CompletionRequest(prefix, string.Empty, CompletionMode.MultiLine) { Generation = generation },
            _ => Interlocked.CompareExchange(ref first, clock.ElapsedTicks, 0),
            ct).ConfigureAwait(false);
        var ticks = Interlocked.Read(ref first);
        var ttft = (ticks == 0 ? clock.ElapsedTicks : ticks) * 1000.0 / Stopwatch.Frequency;
        if (!measured)
        {
            return;
        }

        (warm ? Warm : Cold).Add(ttft);
        (warm ? EngineWarm : EngineCold).Add(result.Stats.TimeToFirstToken.TotalMilliseconds);
        Overhead.Add(ttft - result.Stats.TimeToFirstToken.TotalMilliseconds);
        if (!warm)
        {
            PromptTokens = result.Stats.PromptTokens;
        }
    }
}
