using System.Globalization;
using System.Text;
using LspCopilot.Completion;
using LspCopilot.Engine;
using LspCopilot.Server.Protocol;

namespace LspCopilot.Server.Benchmarks;

/// <summary>
/// The worker's cost as an editor sees it (issue 14 §1): two real <c>lspcopilot --stdio</c> processes, the
/// default one (the model in its worker process) and one with <c>--in-process</c>, same model and options,
/// driven over stdio JSON-RPC and taking turns request by request. Time to first partial is from sending
/// <c>textDocument/inlineCompletion</c> to its first <c>$/progress</c>. Cold: the whole document replaced by
/// fresh text (new words, so no chunk of an earlier prompt can be reused: a file opened, a jump elsewhere);
/// warm: one character typed after it. The servers' stage marks (<see cref="Hosting.StageTraceLog"/>) itemise
/// where the worker's extra time goes.
/// </summary>
internal static class WorkerLspBenchmark
{
    /// <summary>About the prompt of the issue's measurement.</summary>
    public const int DocumentTokens = 950;

    /// <summary>
    /// Rounds before the measured ones: a .NET process re-JITs its request path for its first few dozen requests, and
    /// through the worker three processes warm up (the client's, the server's, the worker's) against two in process —
    /// with 2 warm-up rounds that made the warm ratio ~1.37 instead of ~0.94.
    /// </summary>
    private const int WarmupRounds = 12;

    private static readonly TimeSpan s_pause = TimeSpan.FromMilliseconds(100);

    private static readonly string[] s_words =
        "once upon a time there was a little girl named lily she loved to play with her ball in the park one day saw big dog and the was very happy they played together all long then sun went down home mom tom bird tree red blue cat sad ran jumped".Split(' ');

    /// <summary>The stages reported, each as the marks that bound it.</summary>
    private static readonly (string Name, string From, string To)[] s_stages =
    [
        ("json_rpc_in", Sent, LatencyTrace.Stages.Received),
        ("context", LatencyTrace.Stages.Snapshot, LatencyTrace.Stages.Planned),
        ("to_worker", LatencyTrace.Stages.Planned, LatencyTrace.Stages.WorkerReceived),
        ("to_engine", LatencyTrace.Stages.Planned, LatencyTrace.Stages.EngineThread),
        ("prefill", LatencyTrace.Stages.ReusePlanned, LatencyTrace.Stages.Prefilled),
        ("from_worker", LatencyTrace.Stages.FirstText, LatencyTrace.Stages.FirstTextFromWorker),
        ("json_rpc_out", LatencyTrace.Stages.PartialSent, Arrived),
    ];

    private const string Sent = "sent";

    private const string Arrived = "progress_received";

    public static async Task RunAsync(BenchReport report, EngineOptions options, LlamaEngine tokenizer, int runs, TextWriter progress, CancellationToken ct)
    {
        var arguments = Arguments(options);
        await progress.WriteLineAsync($"Starting lspcopilot --stdio twice (default and --in-process) for the LSP measurement, {runs} rounds…").ConfigureAwait(false);
        await using var worker = ProcessBenchClient.Start(arguments);
        await using var inProcess = ProcessBenchClient.Start([.. arguments, "--in-process"]);
        var samples = new Dictionary<ProcessBenchClient, Samples> { [worker] = new(), [inProcess] = new() };
        var first = Story(tokenizer, -1);
        foreach (var client in samples.Keys)
        {
            await client.OpenAsync(first, ct).ConfigureAwait(false);
        }

        for (var round = 0; round < runs + WarmupRounds; round++)
        {
            var cold = Story(tokenizer, round);
            var measured = round >= WarmupRounds;
            ProcessBenchClient[] order = round % 2 == 0 ? [worker, inProcess] : [inProcess, worker];
            foreach (var client in order)
            {
                await client.ReplaceAllAsync(cold).ConfigureAwait(false);
                await MeasureAsync(client, samples[client].Cold, End(cold), $"cold-{round}", measured, ct).ConfigureAwait(false);
            }

            foreach (var client in order)
            {
                await client.InsertAsync(End(cold), "a").ConfigureAwait(false);
                await MeasureAsync(client, samples[client].Warm, End(cold + "a"), $"warm-{round}", measured, ct).ConfigureAwait(false);
            }
        }

        Report(report, samples[worker], samples[inProcess], runs, tokenizer.CountTokens(first));
    }

    private static async Task MeasureAsync(ProcessBenchClient client, Kind samples, Position at, string token, bool measured, CancellationToken ct)
    {
        // A pause, as between keystrokes: the other server's llama.cpp threads stop spinning first.
        await Task.Delay(s_pause, ct).ConfigureAwait(false);
        var (firstPartial, sentAt) = await client.InlineAsync(at, token, ct).ConfigureAwait(false);
        if (firstPartial is null)
        {
            throw new InvalidOperationException("The language server sent no partial result for a completion; its last output:" + Environment.NewLine + client.LastOutput);
        }

        var marks = await client.MarksAsync(token).ConfigureAwait(false);
        if (!measured)
        {
            return;
        }

        samples.FirstPartial.Add(firstPartial.Value);
        if (marks is null)
        {
            return;
        }

        var all = new Dictionary<string, long>(marks, StringComparer.Ordinal) { [Sent] = sentAt, [Arrived] = sentAt + (long)(firstPartial.Value * System.Diagnostics.Stopwatch.Frequency / 1000) };
        foreach (var (name, from, to) in s_stages)
        {
            if (all.TryGetValue(from, out var a) && all.TryGetValue(to, out var b))
            {
                samples.Stage(name).Add((b - a) * 1000.0 / System.Diagnostics.Stopwatch.Frequency);
            }
        }
    }

    private static void Report(BenchReport report, Samples worker, Samples inProcess, int runs, int documentTokens)
    {
        report.Metrics["lsp_document_tokens"] = documentTokens;
        foreach (var (kind, w, l) in new[] { ("cold", worker.Cold, inProcess.Cold), ("warm", worker.Warm, inProcess.Warm) })
        {
            var workerMs = EngineBenchmark.Median(w.FirstPartial);
            var inProcessMs = EngineBenchmark.Median(l.FirstPartial);
            report.Metrics[$"lsp_worker_first_partial_{kind}_ms"] = workerMs;
            report.Metrics[$"lsp_inproc_first_partial_{kind}_ms"] = inProcessMs;
            report.Row($"LSP {kind}: lspcopilot --stdio --in-process (median of {runs})", inProcessMs, null, "request to first $/progress");
            report.Row($"LSP {kind}: lspcopilot --stdio (model in its worker)", workerMs, null, Itemised(w, l));
            report.Ratio($"worker_lsp_ttft_ratio_{kind} (default ÷ --in-process)", workerMs / inProcessMs, goal: 1.05, higherIsBetter: false);
            report.Metrics[$"worker_lsp_ttft_ratio_{kind}"] = workerMs / inProcessMs;
            foreach (var (name, _, _) in s_stages)
            {
                if (w.Stages.TryGetValue(name, out var ws) && ws.Count > 0)
                {
                    report.Metrics[$"lsp_worker_{name}_{kind}_ms"] = EngineBenchmark.Median(ws);
                }

                if (l.Stages.TryGetValue(name, out var ls) && ls.Count > 0)
                {
                    report.Metrics[$"lsp_inproc_{name}_{kind}_ms"] = EngineBenchmark.Median(ls);
                }
            }
        }
    }

    /// <summary>The worker's stages next to the in-process server's where both have them: what the worker adds.</summary>
    private static string Itemised(Kind worker, Kind inProcess)
    {
        var c = CultureInfo.InvariantCulture;
        var parts = new List<string>();
        foreach (var (name, _, _) in s_stages)
        {
            if (worker.Stages.TryGetValue(name, out var w) && w.Count > 0)
            {
                var l = inProcess.Stages.TryGetValue(name, out var ls) && ls.Count > 0 ? EngineBenchmark.Median(ls).ToString("F2", c) : "-";
                parts.Add($"{name} {EngineBenchmark.Median(w).ToString("F2", c)}/{l}");
            }
        }

        return "stages ms (worker/in process): " + string.Join(", ", parts);
    }

    /// <summary>The command line both servers share: the same model, threads and engine settings.</summary>
    private static List<string> Arguments(EngineOptions options)
    {
        var c = CultureInfo.InvariantCulture;
        List<string> arguments = ["--model", options.ModelPath!, "--threads", options.Threads.ToString(c), "--max-tokens", "16"];
        if (options.ContextSize is { } size)
        {
            arguments.AddRange(["--context-size", size.ToString(c)]);
        }

        if (options.NativeLibDir is { } dir)
        {
            arguments.AddRange(["--native-lib-dir", dir]);
        }

        return arguments;
    }

    /// <summary>A plain-text story of fresh words, about <see cref="DocumentTokens"/> tokens, ending a line so the cursor completes after it.</summary>
    private static string Story(LlamaEngine tokenizer, int round)
    {
        var random = new Random(round * 7919 + 17);
        var text = new StringBuilder();
        text.Append("Story ").Append(round.ToString(CultureInfo.InvariantCulture)).Append('.').Append('\n');
        while (tokenizer.CountTokens(text.ToString()) < DocumentTokens)
        {
            for (var line = 0; line < 4; line++)
            {
                for (var word = 0; word < 12; word++)
                {
                    text.Append(word == 0 ? string.Empty : " ").Append(s_words[random.Next(s_words.Length)]);
                }

                text.Append(".\n");
            }
        }

        return text.ToString();
    }

    private static Position End(string text)
    {
        var lastLine = text.Count(ch => ch == '\n');
        return new Position(lastLine, text.Length - (text.LastIndexOf('\n') + 1));
    }

    private sealed class Samples
    {
        public Kind Cold { get; } = new();

        public Kind Warm { get; } = new();
    }

    private sealed class Kind
    {
        public List<double> FirstPartial { get; } = [];

        public Dictionary<string, List<double>> Stages { get; } = new(StringComparer.Ordinal);

        public List<double> Stage(string name) => Stages.TryGetValue(name, out var list) ? list : Stages[name] = [];
    }
}
