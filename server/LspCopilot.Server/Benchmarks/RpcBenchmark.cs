using System.Diagnostics;
using LspCopilot.Completion;
using LspCopilot.Engine;
using LspCopilot.Server.Protocol;

namespace LspCopilot.Server.Benchmarks;

/// <summary>
/// What an editor sees over JSON-RPC (in memory): overhead above the engine, cancellation latency,
/// a typing storm, typing through a suggestion, and the first partial result of an edit vs cold.
/// </summary>
internal static class RpcBenchmark
{
    private const string Code = """
        using System;
        using System.Collections.Generic;

        public sealed class Inventory
        {
            private readonly Dictionary<string, int> _counts = new();

            public void Add(string item, int count)
            {
                var current = 
            }
        }
        """;

    private static readonly Position s_cursor = new(9, 22);

    public static async Task RunAsync(LlamaEngine llama, BenchReport report, int runs, TimeSpan stormLength, CancellationToken ct)
    {
        var single = new GenerationOptions { MaxTokens = 16 };
        await OverheadAsync(llama, report, single, runs * 5, ct).ConfigureAwait(false);
        await CancelAsync(llama, report, runs, ct).ConfigureAwait(false);
        await StormAsync(llama, report, single, stormLength, ct).ConfigureAwait(false);
        await TypingThroughAsync(llama, report, ct).ConfigureAwait(false);
        await FirstPartialAsync(llama, report, Math.Max(5, runs / 2), ct).ConfigureAwait(false);
    }

    private static EngineScheduler Scheduler(ICompletionEngine engine, bool cache) =>
        new(engine, new EngineOptions { ResultCacheSize = cache ? 250 : 0 }, ServerLog.Silent);

    private static async Task OverheadAsync(LlamaEngine llama, BenchReport report, GenerationOptions generation, int runs, CancellationToken ct)
    {
        var timing = new TimingEngine(llama);
        using var scheduler = Scheduler(timing, cache: false);
        await using var client = new BenchClient(scheduler, generation);
        await client.StartAsync(Code).ConfigureAwait(false);
        var overhead = new Percentiles();
        var total = new Percentiles();
        for (var i = 0; i < runs + 10; i++)
        {
            var clock = Stopwatch.StartNew();
            await client.InlineAsync(s_cursor, cancellationToken: ct).ConfigureAwait(false);
            var elapsed = clock.Elapsed;
            if (i >= 10)
            {
                total.Record(elapsed);
                overhead.Record(elapsed - timing.Last);
            }
        }

        report.Metrics["overhead_ms_p50"] = overhead.P50;
        report.Metrics["overhead_ms_p99"] = overhead.P99;
        report.Row($"inline request over JSON-RPC, warm (p50 of {runs})", total.P50, null, $"overhead above the engine p50 {overhead.P50:F2} ms, p99 {overhead.P99:F2} ms");
        report.Ratio("overhead_ms_p50 (JSON-RPC + scheduling)", overhead.P50, goal: 3, higherIsBetter: false);
        report.Ratio("overhead_ms_p99", overhead.P99, goal: 15, higherIsBetter: false);
    }

    private static async Task CancelAsync(LlamaEngine llama, BenchReport report, int runs, CancellationToken ct)
    {
        using var scheduler = Scheduler(new TimingEngine(llama), cache: false);
        await using var client = new BenchClient(scheduler, new GenerationOptions { MaxTokens = 100_000, PrefixTokens = 1700 });
        var story = EngineBenchmark.BuildPrompt(llama, EngineBenchmark.PromptTokens);
        await client.StartAsync(story).ConfigureAwait(false);
        var end = new Position(story.Count(c => c == '\n'), story.Length - story.LastIndexOf('\n') - 1);
        var all = new Percentiles();
        var prefill = new Percentiles();
        var generation = new Percentiles();
        for (var i = 0; i < runs * 2; i++)
        {
            var midPrefill = i % 2 == 0;
            await llama.ResetCacheAsync(ct).ConfigureAwait(false);
            var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var idle = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
            var clock = Stopwatch.StartNew();
            var chunks = 0;
            void OnChunk()
            {
                if (midPrefill && ++chunks == 2)
                {
                    started.TrySetResult();
                }
            }

            void OnPhase(EnginePhase phase)
            {
                if (phase == EnginePhase.Idle)
                {
                    idle.TrySetResult(clock.Elapsed);
                }
            }

            llama.PrefillChunkStarting += OnChunk;
            llama.PhaseChanged += OnPhase;
            try
            {
                using var cts = new CancellationTokenSource();
                var token = "cancel-" + i;
                var request = client.InlineAsync(end, token, cts.Token);
                if (midPrefill)
                {
                    await started.Task.WaitAsync(TimeSpan.FromSeconds(30), ct).ConfigureAwait(false);
                }
                else
                {
                    await client.FirstProgressAsync(token).WaitAsync(TimeSpan.FromSeconds(30), ct).ConfigureAwait(false);
                }

                var cancelAt = clock.Elapsed;
                await cts.CancelAsync().ConfigureAwait(false);
                var idleAt = await idle.Task.WaitAsync(TimeSpan.FromSeconds(30), ct).ConfigureAwait(false);
                await request.ConfigureAwait(false);
                var latency = idleAt - cancelAt;
                all.Record(latency);
                (midPrefill ? prefill : generation).Record(latency);
            }
            finally
            {
                llama.PrefillChunkStarting -= OnChunk;
                llama.PhaseChanged -= OnPhase;
            }
        }

        report.Metrics["cancel_latency_ms_p50"] = all.P50;
        report.Metrics["cancel_latency_ms_p99"] = all.P99;
        report.Metrics["cancel_prefill_ms_p50"] = prefill.P50;
        report.Metrics["cancel_generation_ms_p50"] = generation.P50;
        report.Row("$/cancelRequest → engine idle, mid-prefill (p50)", prefill.P50, null, $"p99 {prefill.P99:F2} ms");
        report.Row("$/cancelRequest → engine idle, mid-generation (p50)", generation.P50, null, $"p99 {generation.P99:F2} ms");
    }

    /// <summary>
    /// The typing storm twice: as editors that debounce nothing send it, then with the server's opt-in wait for a pause
    /// (initializationOptions.suggestions.debounceMs = 300). Engine work wasted per keystroke is the engine time of the
    /// requests a later keystroke cancelled, over the keystrokes; the ratio of the two runs is the figure.
    /// </summary>
    private static async Task StormAsync(LlamaEngine llama, BenchReport report, GenerationOptions generation, TimeSpan length, CancellationToken ct)
    {
        var plain = await StormRunAsync(llama, generation, length, null, ct).ConfigureAwait(false);
        report.Metrics["storm_keystrokes_per_s"] = plain.KeysPerSecond;
        report.Metrics["storm_max_stale_on_engine"] = plain.Stats.MaxStaleOnEngine;
        report.Metrics["storm_final_latency_ms_p99"] = plain.Latencies.P99;
        report.Metrics["storm_final_latency_ms_p50"] = plain.Latencies.P50;
        report.Metrics["storm_answered"] = plain.Latencies.Count;
        report.Metrics["storm_wasted_ms_per_key"] = plain.WastedMsPerKey;
        report.Row($"typing storm {plain.KeysPerSecond:F0} keys/s for {plain.Elapsed.TotalSeconds:F0} s (p50 answered)", plain.Latencies.P50, null, $"p99 {plain.Latencies.P99:F2} ms; {plain.Latencies.Count} answered, {plain.Stats.Cancelled} cancelled, {plain.Stats.CacheHits} from cache; engine work wasted {plain.WastedMsPerKey:F2} ms/key");
        report.Ratio("storm_max_stale_on_engine", plain.Stats.MaxStaleOnEngine, goal: 1, higherIsBetter: false);

        var waited = await StormRunAsync(llama, generation, length, new { suggestions = new { debounceMs = 300 } }, ct).ConfigureAwait(false);
        report.Metrics["storm_debounced_wasted_ms_per_key"] = waited.WastedMsPerKey;
        report.Metrics["storm_debounced_final_latency_ms_p50"] = waited.Latencies.P50;
        report.Row("typing storm, server waits for a pause (debounceMs 300; p50 answered)", waited.Latencies.P50, null, $"p99 {waited.Latencies.P99:F2} ms; {waited.Latencies.Count} answered; engine work wasted {waited.WastedMsPerKey:F2} ms/key");
        // No work wasted in either run (an engine faster than the typing) reads as 1: the wait changed nothing.
        report.Ratio("storm_wasted_work (debounced / plain)", plain.WastedMsPerKey > 0 ? waited.WastedMsPerKey / plain.WastedMsPerKey : 1, goal: 0.5, higherIsBetter: false);
        report.Ratio("storm_answered_latency_p50 (debounced / plain)", waited.Latencies.P50 / plain.Latencies.P50);
    }

    private sealed record StormRun(int Keystrokes, TimeSpan Elapsed, Percentiles Latencies, SchedulerStats Stats, TimeSpan Wasted)
    {
        public double KeysPerSecond => Keystrokes / Elapsed.TotalSeconds;

        public double WastedMsPerKey => Wasted.TotalMilliseconds / Math.Max(1, Keystrokes);
    }

    private static async Task<StormRun> StormRunAsync(LlamaEngine llama, GenerationOptions generation, TimeSpan length, object? initializationOptions, CancellationToken ct)
    {
        var timing = new TimingEngine(llama ?? throw new ArgumentNullException(nameof(llama)));
        using var scheduler = Scheduler(timing, cache: true);
        await using var client = new BenchClient(scheduler, generation);
        await client.StartAsync(Code, initializationOptions: initializationOptions).ConfigureAwait(false);
        scheduler.ResetStats();
        var wastedBefore = timing.Cancelled;
        var latencies = new Percentiles();
        var pending = new List<Task>();
        var interval = TimeSpan.FromMilliseconds(50);
        var clock = Stopwatch.StartNew();
        var typed = "counts.TryGetValue(item, out var existing) ? existing + count : count;";
        var keystrokes = 0;
        var column = s_cursor.Character;
        while (clock.Elapsed < length)
        {
            var due = interval * keystrokes;
            if (due > clock.Elapsed)
            {
                await Task.Delay(due - clock.Elapsed, ct).ConfigureAwait(false);
            }

            await client.InsertAsync(new Position(s_cursor.Line, column), typed[keystrokes % typed.Length].ToString()).ConfigureAwait(false);
            column++;
            keystrokes++;
            var sent = clock.Elapsed;
            var at = new Position(s_cursor.Line, column);
            pending.Add(Task.Run(
                async () =>
                {
                    var text = await client.InlineAsync(at, cancellationToken: ct).ConfigureAwait(false);
                    if (text is not null)
                    {
                        lock (latencies)
                        {
                            latencies.Record(clock.Elapsed - sent);
                        }
                    }
                },
                ct));

            if (keystrokes % typed.Length == 0)
            {
                // Start the line again so the document stays small.
                await client.ReplaceAllAsync(Code).ConfigureAwait(false);
                column = s_cursor.Character;
            }
        }

        var elapsed = clock.Elapsed;
        await Task.WhenAll(pending).ConfigureAwait(false);
        return new StormRun(keystrokes, elapsed, latencies, scheduler.Stats, timing.Cancelled - wastedBefore);
    }

    private static async Task TypingThroughAsync(LlamaEngine llama, BenchReport report, CancellationToken ct)
    {
        using var scheduler = Scheduler(new TimingEngine(llama), cache: true);
        await using var client = new BenchClient(scheduler, new GenerationOptions { MaxTokens = 48 });
        await client.StartAsync(Code).ConfigureAwait(false);
        var hits = new Percentiles();
        var misses = new Percentiles();
        for (var round = 0; round < 8 && hits.Count < 40; round++)
        {
            await client.ReplaceAllAsync(Code.Replace("var current = ", "var current" + round + " = ", StringComparison.Ordinal)).ConfigureAwait(false);
            var column = s_cursor.Character + round.ToString(System.Globalization.CultureInfo.InvariantCulture).Length;
            var clock = Stopwatch.StartNew();
            var suggestion = await client.InlineAsync(new Position(s_cursor.Line, column), cancellationToken: ct).ConfigureAwait(false);
            misses.Record(clock.Elapsed);
            for (var k = 0; suggestion is not null && k < Math.Min(suggestion.Length - 1, 10); k++)
            {
                await client.InsertAsync(new Position(s_cursor.Line, column), suggestion[k].ToString()).ConfigureAwait(false);
                column++;
                clock.Restart();
                var rest = await client.InlineAsync(new Position(s_cursor.Line, column), cancellationToken: ct).ConfigureAwait(false);
                if (rest == suggestion[(k + 1)..].TrimEnd())
                {
                    hits.Record(clock.Elapsed);
                }
            }
        }

        report.Metrics["typing_through_ms_p50"] = hits.P50;
        report.Metrics["typing_through_hits"] = hits.Count;
        report.Row($"typing through a suggestion: cache hit (p50 of {hits.Count})", hits.P50, null);
        report.Row("the same request computed by the engine (p50)", misses.P50, null);
        report.Ratio("typing_through speedup (engine / cache)", misses.P50 / hits.P50);
    }

    private static async Task FirstPartialAsync(LlamaEngine llama, BenchReport report, int runs, CancellationToken ct)
    {
        // No result cache: every request here must reach the engine (the cold one would repeat otherwise).
        using var scheduler = Scheduler(new TimingEngine(llama), cache: false);
        await using var client = new BenchClient(scheduler, new GenerationOptions { MaxTokens = 32, PrefixTokens = 1700 });
        var story = EngineBenchmark.BuildPrompt(llama, EngineBenchmark.PromptTokens);
        await client.StartAsync(story).ConfigureAwait(false);
        var cold = new List<double>();
        var edit = new List<double>();
        for (var i = 0; i < runs; i++)
        {
            var text = story + "\n";
            await client.ReplaceAllAsync(text).ConfigureAwait(false);
            await llama.ResetCacheAsync(ct).ConfigureAwait(false);
            var line = text.Count(c => c == '\n');
            cold.Add(await TimeToFirstPartialAsync(client, new Position(line, 0), "cold-" + i, ct).ConfigureAwait(false));
            await client.InsertAsync(new Position(line, 0), ((char)('A' + i)).ToString()).ConfigureAwait(false);
            edit.Add(await TimeToFirstPartialAsync(client, new Position(line, 1), "edit-" + i, ct).ConfigureAwait(false));
        }

        var coldMs = EngineBenchmark.Median(cold);
        var editMs = EngineBenchmark.Median(edit);
        report.Metrics["first_partial_cold_ms"] = coldMs;
        report.Metrics["first_partial_edit_ms"] = editMs;
        report.Row("JSON-RPC: first $/progress, cold 1,500-token file", coldMs, null);
        report.Row("JSON-RPC: first $/progress after a 1-char edit", editMs, null);
        report.Ratio("edit_first_partial_speedup (cold / edit)", coldMs / editMs, goal: 3);
    }

    private static async Task<double> TimeToFirstPartialAsync(BenchClient client, Position at, string token, CancellationToken ct)
    {
        var sent = client.Now;
        var request = client.InlineAsync(at, token, ct);
        var first = client.FirstProgressAsync(token);
        await Task.WhenAny(first, request).ConfigureAwait(false);
        await request.ConfigureAwait(false);
        return first.IsCompletedSuccessfully ? (first.Result - sent).TotalMilliseconds : double.NaN;
    }
}
