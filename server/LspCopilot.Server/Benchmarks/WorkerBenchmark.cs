using System.Diagnostics;
using System.Globalization;
using LspCopilot.Completion;
using LspCopilot.Engine;
using LspCopilot.Server.Hosting;
using LspCopilot.Server.Worker;

namespace LspCopilot.Server.Benchmarks;

/// <summary>
/// <c>bench --suite worker</c>: time to first token through a worker process against the same engine in
/// process, same model and options, in one run. TTFT is what the language server sees: from the call to
/// the first streamed text. Cold requests change the first line (the whole ~1,500-token prompt is
/// decoded); warm ones add a character to the previous prompt (the KV prefix is reused). The two
/// engines take turns request by request, so machine noise hits both alike; the model is loaded in
/// both processes for the length of the run (memory-mapped weights are shared on a CPU; a GPU holds
/// two copies). Then the same comparison as an editor sees it, over JSON-RPC between two real language
/// server processes (<see cref="WorkerLspBenchmark"/>: <c>worker_lsp_ttft_ratio_cold/_warm</c>).
/// </summary>
public static class WorkerBenchmark
{
    private const int WarmupRounds = 2;

    private const int WarmupKeystrokes = 60;

    public static async Task<int> RunAsync(EngineOptions options, ServerLog log, bool json, int runs, CancellationToken ct)
    {
        try
        {
            // No result cache (every request must reach the engine) and no chunk shifting (cold must be cold).
            options = options with { ModelPath = ModelFileCheck.Validate(options.ModelPath), ResultCacheSize = 0, CacheReuseMinChunk = 0 };
            var clock = Stopwatch.StartNew();
            var progress = json ? TextWriter.Null : Console.Error;
            await progress.WriteLineAsync("Loading the model in process and in a worker process…").ConfigureAwait(false);
            // Chosen once here, so both processes load the same CPU build.
            options = CpuBuildSelection.Apply(options, log, ct);
            using var local = EngineFactory.Create(options, log);
            using var remote = SupervisedEngine.Start(new WorkerProcessConnector(WorkerLaunch.ForThisProgram(), log), options, log);
            await progress.WriteLineAsync($"Measuring time to first token, {runs} rounds…").ConfigureAwait(false);

            // Built with the local tokenizer (the same model's).
            var story = EngineBenchmark.BuildPrompt((LlamaEngine)local.Inner, EngineBenchmark.PromptTokens);
            var generation = new GenerationOptions { MaxTokens = 8, PrefixTokens = EngineBenchmark.PromptTokens + 200 };
            var inProcess = new TtftSamples();
            var worker = new TtftSamples();

            // Typing, unmeasured, until both processes have compiled their hot paths fully (tiered JIT):
            // a fresh worker would otherwise look slower than the process that built the prompt.
            foreach (var engine in new ICompletionEngine[] { local, remote })
            {
                for (var i = 0; i < WarmupKeystrokes; i++)
                {
                    await engine.CompleteAsync(new CompletionRequest(story + new string('x', i), string.Empty, CompletionMode.MultiLine) { Generation = generation }, static _ => { }, ct).ConfigureAwait(false);
                }
            }

            for (var round = 0; round < runs + WarmupRounds; round++)
            {
                // A new first line: nothing of the previous prompt is reusable. Then one more character: a user typing.
                var cold = $"Story {round} of the benchmark.\n{story}";
                var warm = cold + (char)('a' + (round % 26));
                var measured = round >= WarmupRounds;

                // Who goes first alternates, so neither always follows the other's long prefill.
                (ICompletionEngine Engine, TtftSamples Samples)[] order = round % 2 == 0 ? [(local, inProcess), (remote, worker)] : [(remote, worker), (local, inProcess)];
                foreach (var (engine, samples) in order)
                {
                    await samples.AddAsync(engine, cold, warm: false, generation, measured, ct).ConfigureAwait(false);
                }

                foreach (var (engine, samples) in order)
                {
                    await samples.AddAsync(engine, warm, warm: true, generation, measured, ct).ConfigureAwait(false);
                }
            }

            var report = new BenchReport();
            report.Facts["model"] = local.ModelName;
            report.Facts["threads"] = options.Threads.ToString(CultureInfo.InvariantCulture);
            Report(report, inProcess, worker, runs);
            await WorkerLspBenchmark.RunAsync(report, options, (LlamaEngine)local.Inner, runs, progress, ct).ConfigureAwait(false);
            report.Print(json, clock.Elapsed);
            return 0;
        }
        catch (ModelLoadException ex)
        {
            await Console.Error.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
            return 3;
        }
    }

    private static void Report(BenchReport report, TtftSamples local, TtftSamples remote, int runs)
    {
        // Each worker request is paired with its in-process twin, measured right before it: the ratio of
        // the pair cancels most of the machine's load drift.
        var coldRatios = remote.Cold.Zip(local.Cold, (w, l) => w / l).ToList();
        var warmRatios = remote.Warm.Zip(local.Warm, (w, l) => w / l).ToList();
        var overhead = EngineBenchmark.Median(remote.Overhead);
        var localOverhead = EngineBenchmark.Median(local.Overhead);

        report.Metrics["prompt_tokens"] = local.PromptTokens;
        report.Metrics["inproc_ttft_cold_ms"] = EngineBenchmark.Median(local.Cold);
        report.Metrics["inproc_ttft_warm_ms"] = EngineBenchmark.Median(local.Warm);
        report.Metrics["worker_ttft_cold_ms"] = EngineBenchmark.Median(remote.Cold);
        report.Metrics["worker_ttft_warm_ms"] = EngineBenchmark.Median(remote.Warm);
        report.Metrics["inproc_overhead_ms_p50"] = localOverhead;
        report.Metrics["inproc_engine_ttft_warm_ms"] = EngineBenchmark.Median(local.EngineWarm);
        report.Metrics["worker_engine_ttft_warm_ms"] = EngineBenchmark.Median(remote.EngineWarm);
        report.Metrics["inproc_engine_ttft_cold_ms"] = EngineBenchmark.Median(local.EngineCold);
        report.Metrics["worker_engine_ttft_cold_ms"] = EngineBenchmark.Median(remote.EngineCold);
        report.Metrics["worker_overhead_ms_p50"] = overhead;
        report.Row($"{local.PromptTokens}-token prompt, cold, in process (median of {runs})", EngineBenchmark.Median(local.Cold), null);
        report.Row("same, through the worker process", EngineBenchmark.Median(remote.Cold), null);
        report.Row("+1 char, KV prefix reused, in process", EngineBenchmark.Median(local.Warm), null, $"above the engine's own TTFT p50 {localOverhead:F2} ms");
        report.Row("same, through the worker process", EngineBenchmark.Median(remote.Warm), null, $"above the engine's own TTFT p50 {overhead:F2} ms");
        report.Ratio("worker_ttft_ratio_cold (median of pairs)", EngineBenchmark.Median(coldRatios), goal: 1.05, higherIsBetter: false);
        report.Ratio("worker_ttft_ratio_warm (median of pairs)", EngineBenchmark.Median(warmRatios), goal: 1.05, higherIsBetter: false);
        report.Ratio("worker_ttft_ratio (cold and warm pairs together)", EngineBenchmark.Median([.. coldRatios, .. warmRatios]), goal: 1.05, higherIsBetter: false);
        report.Metrics["worker_ttft_ratio_cold"] = EngineBenchmark.Median(coldRatios);
        report.Metrics["worker_ttft_ratio_warm"] = EngineBenchmark.Median(warmRatios);
        report.Metrics["worker_ttft_ratio"] = EngineBenchmark.Median([.. coldRatios, .. warmRatios]);
        // Cross-process wake-ups wait for a free core: on a busy machine they dominate the overhead.
        report.NoteLoadAverage();
    }
}
