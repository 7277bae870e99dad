using System.Diagnostics;
using System.Globalization;
using System.Text;
using LLama.Native;
using LLama.Sampling;
using LspCopilot.Completion;
using LspCopilot.Engine;
using LspCopilot.Server.Documents;
using LspCopilot.Server.Hosting;
using LspCopilot.Server.Protocol;

namespace LspCopilot.Server.Benchmarks;

/// <summary>
/// <c>bench --suite keystroke</c>: one typed character, as an editor sees it — over JSON-RPC, from the request
/// to the first <c>$/progress</c> — in the default topology (the model in a worker process) and in process,
/// for plain text and for C#, itemised stage by stage (<see cref="LatencyTrace"/>), with the tokens decoded
/// against the least that changed. The floor, measured in the same run, is a bare LLamaSharp context
/// decoding exactly that many tokens and sampling one; llama.cpp's own <c>llama-server</c>, when found, gets
/// the same edits (<c>/infill</c>, streaming, <c>cache_prompt</c>), alternating with ours.
/// </summary>
internal static class KeystrokeBenchmark
{
    /// <summary>Edits typed per round; each round starts from fresh text (a cold prompt).</summary>
    private const int EditsPerRound = 8;

    private const int MaxTokens = 16;

    /// <summary>Quiet time when the benchmark switches between llama-server and ours.</summary>
    private static readonly TimeSpan SwitchPause = TimeSpan.FromMilliseconds(200);

    private const string PlainTyped = " and then they all played with the ball until the sun went down";

    private const string CSharpTyped = "_items.Where(item => item.Quantity > 0).Sum(item => item.Price * item.Quantity);";

    /// <summary>The marks in the order a request passes them, each with the name of the stage that ends there.</summary>
    private static readonly (string Mark, string Stage)[] s_stages =
    [
        (Sent, string.Empty),
        (LatencyTrace.Stages.Received, "json_rpc_in"),
        (LatencyTrace.Stages.Snapshot, "snapshot"),
        (LatencyTrace.Stages.Gated, "gate"),
        (LatencyTrace.Stages.Planned, "context"),
        (LatencyTrace.Stages.WorkerReceived, "to_worker"),
        (LatencyTrace.Stages.Scheduled, "schedule"),
        (LatencyTrace.Stages.EngineThread, "to_engine_thread"),
        (LatencyTrace.Stages.PromptBuilt, "prompt_and_tokenize"),
        (LatencyTrace.Stages.ReusePlanned, "reuse_plan"),
        (LatencyTrace.Stages.Prefilled, "prefill"),
        (LatencyTrace.Stages.FirstToken, "first_token"),
        (LatencyTrace.Stages.FirstText, "hold_back"),
        (LatencyTrace.Stages.FirstTextFromWorker, "from_worker"),
        (LatencyTrace.Stages.FirstClean, "clean"),
        (LatencyTrace.Stages.PartialSent, "send"),
        (ProgressReceived, "json_rpc_out"),
    ];

    private const string Sent = "sent";

    private const string ProgressReceived = "progress_received";

    public static async Task<int> RunAsync(EngineOptions options, ServerLog log, bool json, int runs, string? llamaServer, CancellationToken ct)
    {
        var progress = json ? TextWriter.Null : Console.Error;
        try
        {
            // No result cache: every keystroke must reach the engine (typing through a suggestion would hit it).
            options = options with { ModelPath = ModelFileCheck.Validate(options.ModelPath), ResultCacheSize = 0 };
        }
        catch (ModelLoadException ex)
        {
            await Console.Error.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
            return 3;
        }

        var clock = Stopwatch.StartNew();
        await progress.WriteLineAsync("Loading the model in process and in a worker process…").ConfigureAwait(false);
        // Both processes load the CPU build of llama.cpp chosen for this machine and model.
        options = CpuBuildSelection.Apply(options, log, ct);
        // One user at a time: the scenarios take turns on shared engines, a fifth of a second apart, and must each be
        // measured on the single-request path a user alone gets, not batched as if the last scenario were still typing.
        options = options with { TeamWindowMs = 0 };
        using var local = (EngineScheduler)EngineFactory.Create(options, log);
        var llama = (LlamaEngine)local.Inner;
        using var remote = Composition.ChildWorker(options, log);

        // The same model with suffix-first prompts, where its FIM tokens allow them: typing at the end of the prefix
        // appends. In a worker process of its own: engines of one process share one engine thread (see EngineThread), and
        // the in-process engine's figures must not wait behind it.
        using var suffixFirst = Composition.ChildWorker(options with { FimOrder = "spm" }, log);
        var generation = new GenerationOptions { MaxTokens = MaxTokens, PrefixTokens = 4096, SuffixTokens = 1024 };
        var plain = Document.Plain(llama);
        var csharp = Document.CSharp(llama);

        var peerPath = LlamaServerPeer.Find(llamaServer);
        LlamaServerPeer? peer = null;
        if (peerPath is not null)
        {
            await progress.WriteLineAsync($"Starting {peerPath} as the peer…").ConfigureAwait(false);
            peer = await LlamaServerPeer.StartAsync(peerPath, options.ModelPath!, options.Threads, llama.ContextSize, ct).ConfigureAwait(false);
        }
        else
        {
            await progress.WriteLineAsync($"llama-server not found (--llama-server, ${LlamaServerPeer.EnvironmentVariable}, or shared/bin/llama-server above this folder): no edit_vs_llama_server.").ConfigureAwait(false);
        }

        var traces = new System.Collections.Concurrent.ConcurrentDictionary<string, LatencyTrace>(StringComparer.Ordinal);
        LatencyTrace.Sink = (key, trace) => traces[key] = trace;
        Scenario[] scenarios =
        [
            new("worker", plain, new BenchClient(remote, generation, uri: "file:///bench/story.txt", languageId: "plaintext"), peer),
            new("in_process", plain, new BenchClient(local, generation, uri: "file:///bench/story.txt", languageId: "plaintext"), null),
            new("worker", csharp, new BenchClient(remote, generation, uri: "file:///bench/Cart.cs"), null),
            new("in_process", csharp, new BenchClient(local, generation, uri: "file:///bench/Cart.cs"), null),
            new("worker_spm", plain, new BenchClient(suffixFirst, generation, uri: "file:///bench/story.txt", languageId: "plaintext"), null),
        ];
        try
        {
            var rounds = 1 + ((Math.Max(20, runs) + EditsPerRound - 1) / EditsPerRound);
            await progress.WriteLineAsync($"Typing {rounds - 1} rounds of {EditsPerRound} characters into each of {scenarios.Length} scenarios (one warm-up round first)…").ConfigureAwait(false);
            for (var round = 0; round < rounds; round++)
            {
                for (var s = 0; s < scenarios.Length; s++)
                {
                    // A pause between scenarios: the other engine's threads stop spinning before this one is timed.
                    await Task.Delay(SwitchPause, ct).ConfigureAwait(false);
                    await scenarios[(s + round) % scenarios.Length].RoundAsync(round, measured: round > 0, traces, ct).ConfigureAwait(false);
                }

                // The floor is sampled every round too, so that it sees the machine as the edits did.
                if (round > 0)
                {
                    await Task.Delay(SwitchPause, ct).ConfigureAwait(false);
                    foreach (var scenario in scenarios)
                    {
                        scenario.Floor.AddRange(await FloorAsync(llama, scenario.Median(e => e.PromptTokens), scenario.Median(e => e.MinTokens), ct).ConfigureAwait(false));
                    }
                }
            }
        }
        finally
        {
            LatencyTrace.Sink = null;
            foreach (var scenario in scenarios)
            {
                await scenario.Client.DisposeAsync().ConfigureAwait(false);
            }

            if (peer is not null)
            {
                await peer.DisposeAsync().ConfigureAwait(false);
            }
        }

        var report = new BenchReport();
        report.Facts["model"] = llama.ModelName;
        report.Facts["threads"] = options.Threads.ToString(CultureInfo.InvariantCulture);
        report.Facts["fim_order"] = llama.Fim.OrderName;
        foreach (var scenario in scenarios)
        {
            scenario.Report(report, EngineBenchmark.Median(scenario.Floor));
        }

        var headline = scenarios[0];
        report.Ratio("edit_over_floor_ms_p50 (plain text, worker)", report.Metrics["worker_plain_over_floor_ms_p50"], goal: 5, higherIsBetter: false);
        report.Metrics["edit_over_floor_ms_p50"] = report.Metrics["worker_plain_over_floor_ms_p50"];
        report.Metrics["edit_reprefill_tokens"] = headline.Median(s => s.Reprefill);
        report.Metrics["edit_min_tokens"] = headline.Median(s => s.MinTokens);
        report.Metrics["edit_suffix_tokens"] = llama.Fim.Order == FimOrder.PrefixSuffixMiddle ? llama.CountTokens(plain.Suffix) : 0;
        report.Ratio("edit_reprefill_tokens − min − suffix (plain, worker)", report.Metrics["edit_reprefill_tokens"] - report.Metrics["edit_min_tokens"] - report.Metrics["edit_suffix_tokens"], goal: 0, higherIsBetter: false);
        report.Ratio("csharp context per keystroke, ms p50 (worker)", report.Metrics.GetValueOrDefault("worker_csharp_stage_gate_ms_p50") + report.Metrics.GetValueOrDefault("worker_csharp_stage_context_ms_p50"), goal: 20, higherIsBetter: false);
        if (llama.Fim.Order == FimOrder.PrefixSuffixMiddle && llama.Fim.WithOrder("spm").Order == FimOrder.SuffixPrefixMiddle)
        {
            report.Ratio("spm_edit_speedup (worker, plain: psm / spm)", report.Metrics["worker_plain_first_partial_ms_p50"] / report.Metrics["worker_spm_plain_first_partial_ms_p50"]);
        }

        if (headline.Peer.Count > 0)
        {
            var ours = EngineBenchmark.Median(headline.FirstPartial);
            var theirs = EngineBenchmark.Median(headline.Peer);
            report.Row("llama-server /infill: first streamed text after 1 char (p50)", theirs, null, $"cold p50 {EngineBenchmark.Median(headline.PeerCold):F1} ms");
            report.Metrics["llama_server_edit_first_text_ms_p50"] = theirs;
            report.Metrics["llama_server_cold_first_text_ms_p50"] = EngineBenchmark.Median(headline.PeerCold);
            report.Ratio("edit_vs_llama_server (ours / theirs, plain, worker)", ours / theirs, goal: 1.0, higherIsBetter: false);
        }

        report.Print(json, clock.Elapsed);
        return 0;
    }

    /// <summary>
    /// Times, on a bare LLamaSharp context with the engine's settings, to decode <paramref name="changed"/>
    /// tokens after <paramref name="promptTokens"/> − <paramref name="changed"/> cached ones and sample one token.
    /// </summary>
    private static Task<List<double>> FloorAsync(LlamaEngine llama, int promptTokens, int changed, CancellationToken ct)
    {
        var text = EngineBenchmark.BuildPrompt(llama, promptTokens + 16);
        return llama.RunExclusiveAsync((context, _) =>
        {
            var tokens = context.Tokenize(text, addBos: false, special: false);
            var n = Math.Min(promptTokens, tokens.Length);
            var k = Math.Clamp(changed, 1, n);
            var seq = LLamaSeqId.Zero;
            var batch = new LLamaBatch();
            for (var start = 0; start < n - k; start += 512)
            {
                batch.Clear();
                for (var i = start; i < Math.Min(n - k, start + 512); i++)
                {
                    batch.Add(tokens[i], i, seq, false);
                }

                context.Decode(batch);
            }

            var times = new List<double>();
            using var sampler = new GreedySamplingPipeline();
            for (var r = 0; r < 10; r++)
            {
                context.NativeHandle.MemorySequenceRemove(seq, n - k, -1);
                batch.Clear();
                for (var i = 0; i < k; i++)
                {
                    batch.Add(tokens[n - k + i], n - k + i, seq, i == k - 1);
                }

                var clock = Stopwatch.StartNew();
                context.Decode(batch);
                sampler.Sample(context.NativeHandle, k - 1);
                if (r >= 2)
                {
                    times.Add(clock.Elapsed.TotalMilliseconds);
                }
            }

            return times;
        }, ct);
    }

    /// <summary>A document to type into: fresh text per round is a new first line, then the body; the cursor is in the body.</summary>
    private sealed record Document(string Language, string LanguageId, string Body, int Cursor, string Typed, Func<int, string> Header)
    {
        public string Suffix => Body[Cursor..];

        /// <summary>~970 tokens of story, the cursor at the end of a line with ~200 tokens after it (the plain-text case).</summary>
        public static Document Plain(LlamaEngine llama)
        {
            var body = EngineBenchmark.BuildPrompt(llama, 970) + "\n";
            var lines = body.Split('\n');
            var before = new StringBuilder();
            var i = 0;
            while (i < lines.Length && llama.CountTokens(before.ToString() + lines[i]) < 770)
            {
                before.Append(lines[i]).Append('\n');
                i++;
            }

            // The cursor ends the last line kept before it (before its newline).
            return new Document("plain", "plaintext", body, before.Length - 1, PlainTyped, round => $"Story number {round} starts here.\n");
        }

        /// <summary>~1,500 tokens of C#, the cursor after <c>var total = </c> in a method, with a few classes after it.</summary>
        public static Document CSharp(LlamaEngine llama)
        {
            var head = new StringBuilder("""
                using System;
                using System.Collections.Generic;
                using System.Linq;

                namespace Shop;

                public sealed record Item(string Name, decimal Price, int Quantity);

                """);
            for (var i = 0; llama.CountTokens(head.ToString()) < 1150; i++)
            {
                head.Append(CultureInfo.InvariantCulture, $$"""

                    public sealed class Shelf{{i}}
                    {
                        private readonly List<Item> _items{{i}} = new();

                        public int Count => _items{{i}}.Count;

                        public void Put(Item item) => _items{{i}}.Add(item);

                        public decimal Value() => _items{{i}}.Sum(item => item.Price * item.Quantity);
                    }

                    """);
            }

            head.Append("""

                public sealed class Cart
                {
                    private readonly List<Item> _items = new();

                    public void Add(Item item) => _items.Add(item);

                    public decimal Total()
                    {
                        var total = 
                """);
            var cursor = head.Length;
            head.Append("""

                        return total;
                    }

                    public bool IsEmpty => _items.Count == 0;
                }

                public static class Receipts
                {
                    public static string Line(Item item) => $"{item.Name} x{item.Quantity}: {item.Price * item.Quantity:C}";
                }

                """);
            return new Document("csharp", "csharp", head.ToString(), cursor, CSharpTyped, round => $"// Revision {round}\n");
        }
    }

    /// <summary>One measured edit: time to first partial, its trace's stage durations and counts.</summary>
    private sealed record Edit(double FirstPartialMs, Dictionary<string, double> Stages, int Reprefill, int MinTokens, int PromptTokens);

    private sealed class Scenario(string topology, Document document, BenchClient client, LlamaServerPeer? peer)
    {
        private readonly List<Edit> _edits = [];
        private readonly List<double> _cold = [];
        private bool _opened;

        public BenchClient Client => client;

        public List<double> FirstPartial => [.. _edits.Select(e => e.FirstPartialMs)];

        public List<double> Peer { get; } = [];

        public List<double> PeerCold { get; } = [];

        /// <summary>The floor's samples for this scenario's prompt size and least change, taken every round.</summary>
        public List<double> Floor { get; } = [];

        private string Name => $"{topology}_{document.Language}";

        public int Median(Func<Edit, int> pick) => _edits.Count == 0 ? 1 : (int)Math.Round(EngineBenchmark.Median([.. _edits.Select(e => (double)pick(e))]));

        public async Task RoundAsync(int round, bool measured, System.Collections.Concurrent.ConcurrentDictionary<string, LatencyTrace> traces, CancellationToken ct)
        {
            // The peer types the same round on its own, before ours every other round and after it otherwise, with
            // a pause at each switch: llama.cpp's threads spin a while after their work, and two engines sharing
            // the cores would each time the other's spinning.
            var peerFirst = peer is not null && round % 2 == 1;
            if (peerFirst)
            {
                await PeerRoundAsync(round, measured, ct).ConfigureAwait(false);
            }

            await OursRoundAsync(round, measured, traces, ct).ConfigureAwait(false);
            if (peer is not null && !peerFirst)
            {
                await PeerRoundAsync(round, measured, ct).ConfigureAwait(false);
            }
        }

        /// <summary>The round's texts: fresh text, then one more typed character per edit, with the cursor after it.</summary>
        private IEnumerable<(string Text, int Cursor)> Texts(int round)
        {
            var header = document.Header(round);
            var text = header + document.Body;
            var cursor = header.Length + document.Cursor;
            yield return (text, cursor);
            for (var e = 0; e < EditsPerRound; e++)
            {
                text = text.Insert(cursor, document.Typed[((round * EditsPerRound) + e) % document.Typed.Length].ToString());
                cursor++;
                yield return (text, cursor);
            }
        }

        private async Task PeerRoundAsync(int round, bool measured, CancellationToken ct)
        {
            await Task.Delay(SwitchPause, ct).ConfigureAwait(false);
            var first = true;
            foreach (var (text, cursor) in Texts(round))
            {
                var ms = await peer!.InfillFirstTextAsync(text[..cursor], text[cursor..], MaxTokens, ct).ConfigureAwait(false);
                if (measured && double.IsFinite(ms))
                {
                    (first ? PeerCold : Peer).Add(ms);
                }

                first = false;
            }

            await Task.Delay(SwitchPause, ct).ConfigureAwait(false);
        }

        private async Task OursRoundAsync(int round, bool measured, System.Collections.Concurrent.ConcurrentDictionary<string, LatencyTrace> traces, CancellationToken ct)
        {
            var e = -1;
            var previous = string.Empty;
            foreach (var (text, cursor) in Texts(round))
            {
                if (e < 0)
                {
                    if (!_opened)
                    {
                        await client.StartAsync(text).ConfigureAwait(false);
                        _opened = true;
                    }
                    else
                    {
                        await client.ReplaceAllAsync(text).ConfigureAwait(false);
                    }
                }
                else
                {
                    await client.InsertAsync(PositionOf(previous, cursor - 1), text[(cursor - 1)..cursor]).ConfigureAwait(false);
                }

                var (ms, trace) = await RequestAsync(text, cursor, $"{Name}-{round}-{e}", traces, ct).ConfigureAwait(false);
                if (measured && double.IsFinite(ms) && trace is not null)
                {
                    if (e < 0)
                    {
                        _cold.Add(ms);
                    }
                    else
                    {
                        _edits.Add(new Edit(
                            ms,
                            StagesOf(trace),
                            trace.CountValues.GetValueOrDefault(LatencyTrace.Counts.Reprefill),
                            trace.CountValues.GetValueOrDefault(LatencyTrace.Counts.MinimumChanged),
                            trace.CountValues.GetValueOrDefault(LatencyTrace.Counts.Prompt)));
                    }
                }

                previous = text;
                e++;
            }
        }

        private async Task<(double Ms, LatencyTrace? Trace)> RequestAsync(string text, int cursor, string token, System.Collections.Concurrent.ConcurrentDictionary<string, LatencyTrace> traces, CancellationToken ct)
        {
            var at = PositionOf(text, cursor);
            var sent = Stopwatch.GetTimestamp();
            await client.InlineAsync(at, token, ct).ConfigureAwait(false);
            if (client.FirstProgressTimestamp(token) is not long received || !traces.TryRemove(token, out var trace))
            {
                return (double.NaN, null);
            }

            trace.Mark(Sent, sent);
            trace.Mark(ProgressReceived, received);
            return (Stopwatch.GetElapsedTime(sent, received).TotalMilliseconds, trace);
        }

        private static Dictionary<string, double> StagesOf(LatencyTrace trace)
        {
            var stages = new Dictionary<string, double>(StringComparer.Ordinal);
            string? previous = null;
            foreach (var (mark, stage) in s_stages)
            {
                if (!trace.Marks.ContainsKey(mark))
                {
                    continue;
                }

                if (previous is not null && trace.Between(previous, mark) is double ms)
                {
                    stages[stage] = ms;
                }

                previous = mark;
            }

            return stages;
        }

        public void Report(BenchReport report, double floor)
        {
            var partial = EngineBenchmark.Median(FirstPartial);
            report.Metrics[$"{Name}_first_partial_ms_p50"] = partial;
            report.Metrics[$"{Name}_cold_first_partial_ms_p50"] = EngineBenchmark.Median(_cold);
            report.Metrics[$"{Name}_floor_ms"] = floor;
            report.Metrics[$"{Name}_over_floor_ms_p50"] = partial - floor;
            report.Metrics[$"{Name}_reprefill_tokens_p50"] = Median(e => e.Reprefill);
            report.Metrics[$"{Name}_min_tokens_p50"] = Median(e => e.MinTokens);
            report.Metrics[$"{Name}_prompt_tokens_p50"] = Median(e => e.PromptTokens);
            report.Metrics[$"{Name}_edits"] = _edits.Count;
            var parts = new List<string>();
            foreach (var (_, stage) in s_stages.Skip(1))
            {
                var values = _edits.Where(e => e.Stages.ContainsKey(stage)).Select(e => e.Stages[stage]).ToList();
                if (values.Count > 0)
                {
                    var median = EngineBenchmark.Median(values);
                    report.Metrics[$"{Name}_stage_{stage}_ms_p50"] = median;
                    parts.Add(string.Create(CultureInfo.InvariantCulture, $"{stage} {median:F2}"));
                }
            }

            report.Row($"{Name}: first $/progress after 1 char (p50 of {_edits.Count})", partial, null, string.Create(CultureInfo.InvariantCulture, $"floor {floor:F2} ms, cold {EngineBenchmark.Median(_cold):F1} ms, decoded {Median(e => e.Reprefill)} of {Median(e => e.PromptTokens)} tokens (least {Median(e => e.MinTokens)})"));
            report.Row($"  stages, ms p50", null, null, string.Join(", ", parts));
        }

        /// <summary>The LSP position of <paramref name="offset"/>, by the server's own rule.</summary>
        private static Position PositionOf(string text, int offset) => Conversions.ToPosition(Microsoft.CodeAnalysis.Text.SourceText.From(text), offset);
    }
}
