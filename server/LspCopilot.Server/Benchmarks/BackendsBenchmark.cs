using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using LspCopilot.Completion;
using LspCopilot.Engine;
using LspCopilot.Server.Hosting;
using LspCopilot.Server.Worker;
using LspCopilot.Server.Worker.Http;

namespace LspCopilot.Server.Benchmarks;

/// <summary>
/// <c>bench --suite backends</c>: other ways to reach the model against the default (a worker child process), same
/// model and prompts, request by request: the llama-server backend against our own <c>worker --http</c> as
/// <c>remote_ttft_ratio</c>; a worker over ssh (<c>--ssh-worker ssh://…</c>, when given) as
/// <c>ssh_worker_ttft_ratio</c>; and the HTTP service's cancellation: from a client dropping a streaming request to
/// the engine going idle, measured in the process that decodes (<c>http_cancel_stop_ms_p99</c>). With <c>--backend</c>
/// and <c>--endpoint</c>, the remote row is the user's own server instead of our HTTP worker.
/// </summary>
internal static class BackendsBenchmark
{
    private const int WarmupRounds = 2;

    public static async Task<int> RunAsync(EngineOptions options, ServerLog log, bool json, int runs, string? sshWorker, string? sshCommand, string? workerCommand, CancellationToken ct)
    {
        var progress = json ? TextWriter.Null : Console.Error;
        try
        {
            options = options with { ModelPath = ModelFileCheck.Validate(options.ModelPath), ResultCacheSize = 0, CacheReuseMinChunk = 0 };
        }
        catch (ModelLoadException ex)
        {
            await Console.Error.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
            return 3;
        }

        var clock = Stopwatch.StartNew();
        var report = new BenchReport();
        report.Facts["threads"] = options.Threads.ToString(CultureInfo.InvariantCulture);
        options = CpuBuildSelection.Apply(options, log, ct);

        if (options.Backend.IsRemote)
        {
            // The user's own server (which should hold the same GGUF as --model for the ratio to mean anything).
            var theirs = options.Backend;
            options = options with { Backend = new BackendOptions() };
            await progress.WriteLineAsync($"Loading the model in a worker process; reaching the {theirs.Kind} server at {theirs.EffectiveEndpoint}…").ConfigureAwait(false);
            using var local = Composition.ChildWorker(options, log);
            using var remote = Composition.WithModelServers(Composition.ChildWorker)(options with { Backend = theirs }, log);
            await progress.WriteLineAsync($"Time to first token, {runs} rounds…").ConfigureAwait(false);
            await CompareAsync(report, local, remote, runs, $"--backend {theirs.Kind} → {theirs.EffectiveEndpoint}", "remote_ttft_ratio", $"your {theirs.Kind} server", ct).ConfigureAwait(false);
        }
        else
        {
            await progress.WriteLineAsync("Loading the model in a worker process and in our HTTP worker (reached as llama-server)…").ConfigureAwait(false);
            using var local = Composition.ChildWorker(options, log);
            using var httpEngine = EngineFactory.Create(options, log);
            await using var service = await WorkerHttpService.StartAsync(new IPEndPoint(IPAddress.Loopback, 0), () => httpEngine, null, TimeSpan.FromSeconds(60), log, ct).ConfigureAwait(false);
            var remoteOptions = options with { Backend = new BackendOptions { Kind = "llama-server", Endpoint = $"http://127.0.0.1:{service.LocalEndpoint.Port}" } };
            using var remote = Composition.WithModelServers(Composition.ChildWorker)(remoteOptions, log);
            await progress.WriteLineAsync($"Time to first token, {runs} rounds…").ConfigureAwait(false);
            await CompareAsync(report, local, remote, runs, "--backend llama-server → worker --http", "remote_ttft_ratio", "llama-server backend on our HTTP worker", ct).ConfigureAwait(false);
        }

        if (sshWorker is not null)
        {
            if (!SshWorkerTarget.TryParse(sshWorker, out var target, out var error))
            {
                await Console.Error.WriteLineAsync("--ssh-worker: " + error).ConfigureAwait(false);
                return 2;
            }

            await progress.WriteLineAsync($"Loading the model in a worker process and in a worker over ssh ({target})…").ConfigureAwait(false);
            using var local = Composition.ChildWorker(options, log);
            using var remote = Composition.SshWorker(target!, SshWorkerConnector.SplitCommand(sshCommand), workerCommand)(options, log);
            await progress.WriteLineAsync($"Time to first token, {runs} rounds…").ConfigureAwait(false);
            await CompareAsync(report, local, remote, runs, "worker over ssh", "ssh_worker_ttft_ratio", "over ssh", ct).ConfigureAwait(false);
        }
        else
        {
            await progress.WriteLineAsync("No --ssh-worker ssh://HOST: ssh_worker_ttft_ratio is not measured.").ConfigureAwait(false);
        }

        await progress.WriteLineAsync("HTTP service: client disconnect → engine idle…").ConfigureAwait(false);
        var stops = await CancelStopAsync(options, log, Math.Max(20, runs), ct).ConfigureAwait(false);
        report.Row($"HTTP: client drops a stream → engine idle (p50 of {stops.Count})", stops.P50, null, $"p99 {stops.P99:F2} ms");
        report.Ratio("http_cancel_stop_ms_p99", stops.P99, goal: 50, higherIsBetter: false);
        report.Print(json, clock.Elapsed);
        return 0;
    }

    /// <summary>
    /// <paramref name="other"/> against the local worker, request by request: rows for both and <c>{metric}</c> (the median
    /// ratio of the pairs, goal ≤ 1.10), with <c>{metric}_cold</c> and <c>{metric}_warm</c> beside it.
    /// </summary>
    private static async Task CompareAsync(BenchReport report, ICompletionEngine local, ICompletionEngine other, int runs, string row, string metric, string what, CancellationToken ct)
    {
        var (a, b) = await PairsAsync(local, other, runs, ct).ConfigureAwait(false);
        static List<double> Ratios(List<double> others, List<double> locals) => [.. others.Zip(locals, (o, l) => o / l)];
        report.Row("local worker: cold / +1 char (median)", EngineBenchmark.Median(a.Cold), null, $"warm {EngineBenchmark.Median(a.Warm):F2} ms");
        report.Row($"{row}: cold / +1 char (median)", EngineBenchmark.Median(b.Cold), null, $"warm {EngineBenchmark.Median(b.Warm):F2} ms");
        report.Metrics[metric + "_cold"] = EngineBenchmark.Median(Ratios(b.Cold, a.Cold));
        report.Metrics[metric + "_warm"] = EngineBenchmark.Median(Ratios(b.Warm, a.Warm));
        report.Ratio($"{metric} ({what} / local worker, pairs)", EngineBenchmark.Median(Ratios([.. b.Cold, .. b.Warm], [.. a.Cold, .. a.Warm])), goal: 1.10, higherIsBetter: false);
    }

    /// <summary>Cold (a new first line) then warm (+1 character) requests, the two engines taking turns; the first rounds warm up.</summary>
    private static async Task<(TtftSamples Local, TtftSamples Remote)> PairsAsync(ICompletionEngine local, ICompletionEngine remote, int runs, CancellationToken ct)
    {
        // ~650 tokens: well inside every path's prompt budget, so a new first line really is a cold prompt everywhere.
        var story = string.Join('\n', Enumerable.Range(0, 25).Select(i => $"One day Lily went to the park with a red ball and met a friend number {i}."));
        var generation = new GenerationOptions { MaxTokens = 8, PrefixTokens = 4096 };
        var (a, b) = (new TtftSamples(), new TtftSamples());
        for (var round = 0; round < runs + WarmupRounds; round++)
        {
            var cold = $"Story {round} of the benchmark.\n{story}";
            var warm = cold + (char)('a' + (round % 26));
            var measured = round >= WarmupRounds;
            (ICompletionEngine Engine, TtftSamples Samples)[] order = round % 2 == 0 ? [(local, a), (remote, b)] : [(remote, b), (local, a)];
            foreach (var (engine, samples) in order)
            {
                await samples.AddAsync(engine, cold, warm: false, generation, measured, ct).ConfigureAwait(false);
            }

            foreach (var (engine, samples) in order)
            {
                await samples.AddAsync(engine, warm, warm: true, generation, measured, ct).ConfigureAwait(false);
            }
        }

        return (a, b);
    }

    /// <summary>
    /// The HTTP service in this process around the engine: each round streams a long completion, reads the first
    /// event, drops the connection and times until the engine reports idle (same process, same clock).
    /// </summary>
    private static async Task<Percentiles> CancelStopAsync(EngineOptions options, ServerLog log, int runs, CancellationToken ct)
    {
        using var engine = (EngineScheduler)EngineFactory.Create(options, log);
        var llama = (LlamaEngine)engine.Inner;
        await using var service = await WorkerHttpService.StartAsync(new IPEndPoint(IPAddress.Loopback, 0), () => engine, null, TimeSpan.FromSeconds(60), log, ct).ConfigureAwait(false);
        // No draining of an abandoned response (by default the client reads up to 1 MB for 2 s to reuse the
        // connection): dropping the response closes the connection at once, as an editor or curl does.
        using var http = new HttpClient(new SocketsHttpHandler { MaxResponseDrainSize = 0 }) { BaseAddress = new Uri($"http://127.0.0.1:{service.LocalEndpoint.Port}/") };
        var stops = new Percentiles();
        for (var round = 0; round < runs + WarmupRounds; round++)
        {
            var idle = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
            var generating = false;
            void OnPhase(EnginePhase phase)
            {
                if (phase == EnginePhase.Generate)
                {
                    generating = true;
                }
                else if (phase == EnginePhase.Idle && generating)
                {
                    idle.TrySetResult(Stopwatch.GetTimestamp());
                }
            }

            llama.PhaseChanged += OnPhase;
            try
            {
                long dropped;
                var body = new { prompt = $"Round {round}. Once upon a time, there was a little dog who", max_tokens = -1, stream = true, temperature = 0.8 };
                using (var request = new HttpRequestMessage(HttpMethod.Post, new Uri("v1/completions", UriKind.Relative)) { Content = JsonContent.Create(body) })
                using (var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false))
                {
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false));
                    await reader.ReadLineAsync(ct).ConfigureAwait(false);
                    dropped = Stopwatch.GetTimestamp();
                }

                var stopped = await idle.Task.WaitAsync(TimeSpan.FromSeconds(30), ct).ConfigureAwait(false);
                if (round >= WarmupRounds && service.State.Last?.Outcome == "cancelled")
                {
                    stops.Record(Stopwatch.GetElapsedTime(dropped, stopped));
                }
            }
            finally
            {
                llama.PhaseChanged -= OnPhase;
            }

            await Task.Delay(50, ct).ConfigureAwait(false);
        }

        return stops;
    }
}
