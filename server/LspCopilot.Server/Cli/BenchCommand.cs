using System.CommandLine;
using System.Diagnostics;
using LspCopilot.Completion;
using LspCopilot.Engine;
using LspCopilot.Server.Benchmarks;
using LspCopilot.Server.Benchmarks.ContextQuality;
using LspCopilot.Server.Hosting.Power;

namespace LspCopilot.Server.Cli;

/// <summary><c>lspcopilot bench --model PATH [--json]</c>: the engine and protocol benchmark, with ratios measured in one run.</summary>
public static class BenchCommand
{
    public static Command Create(Option<string> logLevel)
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON object of numbers instead of the table." };
        var suite = new Option<string>("--suite") { Description = "engine (default: prefix reuse, decode, JSON-RPC, storm), context (Roslyn context per keystroke; needs no model), context-quality (which names from other files the prompt carries at masked statements of tests/fixtures/ContextQuality, vs a plain window; needs no model), worker (time to first token through a worker process vs in process), actions (code actions over JSON-RPC: listing, explain and its follow-up, refactor resolve, completions while an explanation streams), keystroke (one typed character through JSON-RPC, stage by stage, against a bare-context floor and llama-server), backends (other ways to reach the model vs the local worker — with --backend/--endpoint, your own model server; HTTP cancellation), decode (speculative decoding: prompt lookup and a draft model against plain greedy decoding), soak (the real server typed into at 10 keys/s: memory growth, unanswered requests, errors) or team (1, 2, 4 and 8 editors typing against one shared worker: first partial p50/p99 and aggregate tokens/s).", DefaultValueFactory = _ => "engine" };
        var runs = new Option<int>("--runs") { Description = "Repetitions per scenario (at least 20 for the TTFT medians).", DefaultValueFactory = _ => 21 };
        var storm = new Option<double>("--storm-seconds") { Description = "Length of the typing storm (20 keys/s).", DefaultValueFactory = _ => 10 };
        var soak = new Option<int>("--soak-seconds") { Description = "Length of the soak (--suite soak), typing at 10 keys/s.", DefaultValueFactory = _ => 600 };
        var llamaServer = new Option<string?>("--llama-server") { Description = $"llama-server binary for --suite keystroke to compare against (default: ${LlamaServerPeer.EnvironmentVariable}, or shared/bin/llama-server above the current folder)." };
        var sshWorker = new Option<string?>("--ssh-worker") { Description = "For --suite backends: a worker over ssh (ssh://[user@]host[:port]) to compare with the local worker (ssh_worker_ttft_ratio)." };
        var sshCommand = new Option<string?>("--ssh-command") { Description = "For --suite backends: the ssh client and its options (default: ssh)." };
        var corpus = new Option<string?>("--corpus") { Description = "For --suite context-quality: the corpus folder (default: tests/fixtures/ContextQuality above the current folder)." };
        var workerCommand = new Option<string?>("--worker-command") { Description = "For --suite backends: the lspcopilot command on the ssh host (default: lspcopilot, else ~/.dotnet/tools/lspcopilot)." };
        var engineOptions = new EngineCliOptions();
        var backendOptions = new BackendCliOptions();
        var command = new Command("bench", "Measure time to first token, prefix reuse, decode speed, protocol overhead, cancellation and a typing storm.")
        {
            json,
            suite,
            runs,
            storm,
            soak,
            llamaServer,
            sshWorker,
            sshCommand,
            workerCommand,
            corpus,
        };
        engineOptions.AddTo(command);
        backendOptions.AddTo(command);
        var power = new PowerCliOptions();
        power.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var log = new ServerLog(ServerLog.Parse(parse.GetValue(logLevel) ?? "warning"));
            var options = backendOptions.Overlay(parse, engineOptions.Read(parse, useEnvironment: true));
            if (options.Backend.IsRemote && parse.GetValue(suite) != "backends")
            {
                await Console.Error.WriteLineAsync($"--backend {options.Backend.Kind} is measured by --suite backends (your server against the local worker on the same --model); the other suites time our own engine.").ConfigureAwait(false);
                return 2;
            }

            switch (parse.GetValue(suite))
            {
                case "engine":
                    break;
                case "context":
                    var metrics = await ContextBenchmark.RunAsync(new ContextBenchmarkOptions(), log, ct).ConfigureAwait(false);
                    Console.WriteLine(parse.GetValue(json) ? System.Text.Json.JsonSerializer.Serialize(metrics, new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) : ContextBenchmark.FormatTable(metrics));
                    return 0;
                case "context-quality":
                    return await ContextQualityBenchmark.RunAsync(new ContextQualityOptions { Corpus = parse.GetValue(corpus) }, parse.GetValue(json), Console.Out, Console.Error, log, ct).ConfigureAwait(false);
                case "worker":
                    return await WorkerBenchmark.RunAsync(options, log, parse.GetValue(json), Math.Max(1, parse.GetValue(runs)), ct).ConfigureAwait(false);
                case "actions":
                    return await ActionsBenchmark.RunAsync(options, log, parse.GetValue(json), Math.Max(1, parse.GetValue(runs)), ct).ConfigureAwait(false);
                case "keystroke":
                    return await KeystrokeBenchmark.RunAsync(options, log, parse.GetValue(json), Math.Max(1, parse.GetValue(runs)), parse.GetValue(llamaServer), ct).ConfigureAwait(false);
                case "backends":
                    return await BackendsBenchmark.RunAsync(options, log, parse.GetValue(json), Math.Max(1, parse.GetValue(runs)), parse.GetValue(sshWorker), parse.GetValue(sshCommand), parse.GetValue(workerCommand), ct).ConfigureAwait(false);
                case "decode":
                    return await DecodeBenchmark.RunAsync(options, log, parse.GetValue(json), Math.Max(1, parse.GetValue(runs)), ct).ConfigureAwait(false);
                case "team":
                    return await TeamBenchmark.RunAsync(options, log, parse.GetValue(json), Math.Max(1, parse.GetValue(runs)), ct).ConfigureAwait(false);
                case "soak":
                    return await SoakBenchmark.RunAsync(options.ModelPath, TimeSpan.FromSeconds(Math.Max(1, parse.GetValue(soak))), parse.GetValue(json), ct).ConfigureAwait(false);
                default:
                    await Console.Error.WriteLineAsync($"Unknown suite '{parse.GetValue(suite)}'. Use: engine, context, context-quality, worker, actions, keystroke, backends, decode, soak or team.").ConfigureAwait(false);
                    return 2;
            }

            var report = new BenchReport();
            var clock = Stopwatch.StartNew();
            var progress = parse.GetValue(json) ? TextWriter.Null : Console.Error;
            await progress.WriteLineAsync("Timing LLamaSharp's pick of CPU build against the one chosen for this machine…").ConfigureAwait(false);
            options = await CpuVariantBenchmark.RunAsync(options, report, log, ct).ConfigureAwait(false);
            // The idle baseline before the model loads; the run's readings cover the benchmarks only.
            await using var meter = await PowerMeter.StartAsync(power.Read(parse, TimeSpan.FromSeconds(5)), progress, ct).ConfigureAwait(false);
            LlamaEngine engine;
            try
            {
                engine = LlamaEngine.Load(options, log);
            }
            catch (ModelLoadException ex)
            {
                await Console.Error.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
                return 3;
            }

            using (engine)
            {
                report.Facts["model"] = engine.ModelName;
                report.Facts["threads"] = engine.Options.Threads.ToString(System.Globalization.CultureInfo.InvariantCulture);
                report.Facts["context"] = engine.ContextSize.ToString(System.Globalization.CultureInfo.InvariantCulture);
                meter.BeginRun();
                await progress.WriteLineAsync("Measuring prefix reuse and decode speed…").ConfigureAwait(false);
                await EngineBenchmark.RunAsync(engine, report, Math.Max(1, parse.GetValue(runs)), ct).ConfigureAwait(false);
                await progress.WriteLineAsync("Measuring the JSON-RPC path: overhead, cancellation, typing storm, cache…").ConfigureAwait(false);
                await RpcBenchmark.RunAsync(engine, report, Math.Max(1, parse.GetValue(runs)), TimeSpan.FromSeconds(parse.GetValue(storm)), ct).ConfigureAwait(false);
                report.Facts["elapsed_s"] = clock.Elapsed.TotalSeconds.ToString("F1", System.Globalization.CultureInfo.InvariantCulture);
                var figures = await meter.StopAsync(engine.GeneratedTokens, engine.CompletedRequests, ct).ConfigureAwait(false);
                PowerOutput.AddTo(report, figures);
                Console.WriteLine(parse.GetValue(json) ? report.ToJson() : report.ToTable() + Environment.NewLine + PowerOutput.ToText(figures, "Power (during the benchmarks, after the model loaded)"));
                return 0;
            }
        });
        return command;
    }
}
