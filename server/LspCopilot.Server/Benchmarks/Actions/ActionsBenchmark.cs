using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using LspCopilot.Completion;
using LspCopilot.Completion.Chat;
using LspCopilot.Completion.CodeActions;
using LspCopilot.Engine;
using LspCopilot.Server.Hosting;
using LspCopilot.Server.Protocol;
using StreamJsonRpc;

namespace LspCopilot.Server.Benchmarks;

/// <summary>
/// <c>bench --suite actions</c>: code actions as an editor sees them, over JSON-RPC against the real server and the real
/// engine (in process, behind the scheduler), on a generated C# project. Listing (<c>codeaction_list_ms_p50</c>, after an
/// edit each time, so Roslyn's diagnostics are computed again); Explain's time to first partial result on a new
/// selection and on a follow-up in the same conversation with a completion between the turns
/// (<c>followup_ttft_speedup</c>); Explain's decode speed against the bare LLamaSharp loop on a prompt of the same length
/// (<c>explain_tps_ratio</c>); a refactor's resolve split into model time and the rest (Roslyn's context, compile check
/// and edit); and how much later a completion's first text comes while an explanation streams than when the engine
/// is idle (<c>completion_delay_during_explain_ms_p99</c>). Ends with the article's three rows: completion, explain,
/// follow-up.
/// </summary>
internal static class ActionsBenchmark
{
    /// <summary>Tokens the first turn's prompt is sized to (the "1,000-token first turn").</summary>
    private const int FirstTurnTokens = 1000;

    /// <summary>
    /// Explain rounds before the measured ones: the first explanations of a process run new code (Roslyn's context, the
    /// chat path), and the runtime re-JITs it in the background for a few seconds, on the cores llama.cpp decodes on.
    /// </summary>
    private const int ExplainWarmUpRounds = 3;

    /// <summary>
    /// Brief rounds before those (an explanation cancelled at its first partial result, a completion): Roslyn's hot
    /// methods reach tiered compilation's call count (30) at one call per request, so with whole rounds (~3 s each) the
    /// runtime's compiler still took ~80 ms a round after seven of them, on the cores llama.cpp decodes on; forty brief
    /// rounds (~10 s) leave the measured rounds ~30 ms of it in all (reported as <c>explain_rounds_jit_cpu_ms</c>).
    /// </summary>
    private const int BriefRounds = 40;

    private const string Question = "What does it return when the array is empty, and why?";

    /// <summary>
    /// A question far from a whole chunk (the long one above is within a quarter chunk of one): what a follow-up costs
    /// when it is decoded row by row, or rounded up to a chunk where the engine measured that to be cheaper.
    /// </summary>
    private const string ShortQuestion = "Why?";

    /// <summary>Proposals a refactor samples after the first when it does not compile: one, so a resolve is one or two model calls and checks (the tiny models' proposals never compile).</summary>
    private const int RefactorCandidates = 1;

    public static async Task<int> RunAsync(EngineOptions options, ServerLog log, bool json, int runs, CancellationToken ct)
    {
        var progress = json ? TextWriter.Null : Console.Error;
        try
        {
            options = options with { ModelPath = ModelFileCheck.Validate(options.ModelPath), ResultCacheSize = 0 };
        }
        catch (ModelLoadException ex)
        {
            await Console.Error.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
            return 3;
        }

        options = CpuBuildSelection.Apply(options, log, ct);
        LlamaEngine llama;
        try
        {
            llama = LlamaEngine.Load(options, log);
        }
        catch (ModelLoadException ex)
        {
            await Console.Error.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
            return 3;
        }

        var clock = Stopwatch.StartNew();
        var report = new BenchReport();
        report.Facts["model"] = llama.ModelName;
        report.Facts["threads"] = options.Threads.ToString(CultureInfo.InvariantCulture);
        report.Facts["chat_layout"] = llama.ChatLayout ?? "none";
        var folder = Directory.CreateTempSubdirectory("lspcopilot-bench-actions-").FullName;
        try
        {
            using var scheduler = new EngineScheduler(llama, options, log);
            var engine = new TimingChatEngine(scheduler);
            // The method alone at about two thirds of the first turn; one measured explanation then sizes it exactly.
            var lines = 1;
            while (lines < 400 && llama.CountTokens(ActionsWorkspace.Report(0, lines + 1)) < FirstTurnTokens * 2 / 3)
            {
                lines++;
            }

            var workspace = new ActionsWorkspace(folder, lines);
            await using var client = new BenchClient(engine, new GenerationOptions { MaxTokens = 16 }, log, workspace.Uri);
            // Explanations as long as the context allows next to a first turn and a completion (a small model's 2,048
            // tokens hold a 1,000-token turn, ~350 tokens of answer, the follow-up and a completion's prompt).
            var explainMaxTokens = Math.Clamp(llama.ContextSize - FirstTurnTokens - 700, 64, ExplainRunner.DefaultMaxTokens);
            report.Facts["explain_max_tokens"] = explainMaxTokens.ToString(CultureInfo.InvariantCulture);
            report.Facts["refactor_candidates"] = (1 + RefactorCandidates).ToString(CultureInfo.InvariantCulture);
            await client.StartAsync(workspace.Write(0), new Uri(folder).AbsoluteUri, new { codeActions = new { explainMaxTokens, candidates = RefactorCandidates } }).ConfigureAwait(false);
            var session = new Session(client, workspace, engine, llama);
            runs = Math.Max(5, runs);
            await session.SizeTheFirstTurnAsync(ct).ConfigureAwait(false);
            report.Facts["explained_method_lines"] = workspace.ReportLines.ToString(CultureInfo.InvariantCulture);

            await progress.WriteLineAsync($"Listing code actions, {runs} times (after an edit each)…").ConfigureAwait(false);
            await session.ListAsync(report, runs, ct).ConfigureAwait(false);
            await progress.WriteLineAsync($"Explain, a follow-up and a completion between them, {runs} rounds…").ConfigureAwait(false);
            await session.ExplainAsync(report, runs, ct).ConfigureAwait(false);
            await progress.WriteLineAsync($"Explain and a short follow-up (\"{ShortQuestion}\"), {runs} rounds…").ConfigureAwait(false);
            await session.ShortFollowUpsAsync(report, runs, ct).ConfigureAwait(false);
            await progress.WriteLineAsync("Completions while an explanation streams…").ConfigureAwait(false);
            await session.CompletionsDuringExplainAsync(report, Math.Max(20, runs), ct).ConfigureAwait(false);
            await progress.WriteLineAsync($"Refactor (resolve), {runs} times…").ConfigureAwait(false);
            await session.RefactorAsync(report, runs, ct).ConfigureAwait(false);
        }
        finally
        {
            llama.Dispose();
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
            }
        }

        report.Print(json, clock.Elapsed);
        return 0;
    }

    private sealed class Session(BenchClient client, ActionsWorkspace workspace, TimingChatEngine engine, LlamaEngine llama)
    {
        private int _revision;
        private int _token;

        /// <summary>
        /// Sizes the explained method so that the first turn's prompt (instructions, context, the code) is about
        /// <see cref="FirstTurnTokens"/> tokens: one explanation measures what the method does not account for.
        /// </summary>
        public async Task SizeTheFirstTurnAsync(CancellationToken ct)
        {
            await NewRevisionAsync().ConfigureAwait(false);
            var (result, _) = await ExplainOnceAsync(new { textDocument = new { uri = workspace.Uri }, range = workspace.ReportRange(_revision) }, ct).ConfigureAwait(false);
            await client.Rpc.InvokeWithParameterObjectAsync<JsonElement>(LspMethods.EndConversation, new { conversationId = result.GetProperty("conversationId").GetString() }, ct).ConfigureAwait(false);
            var method = llama.CountTokens(ActionsWorkspace.Report(_revision, workspace.ReportLines));
            var rest = engine.LastChat!.Stats.PromptTokens - method;
            var wanted = Math.Max(100, FirstTurnTokens - rest);
            workspace.ReportLines = Math.Max(2, (int)Math.Round(workspace.ReportLines * (double)wanted / method));
        }

        public async Task ListAsync(BenchReport report, int runs, CancellationToken ct)
        {
            // The first lists load the project into Roslyn.
            for (var i = 0; i < 3; i++)
            {
                await ListOnceAsync(ct).ConfigureAwait(false);
            }

            var listed = new Percentiles();
            var count = 0;
            for (var i = 0; i < runs; i++)
            {
                await NewRevisionAsync().ConfigureAwait(false);
                var started = Stopwatch.GetTimestamp();
                count = await ListOnceAsync(ct).ConfigureAwait(false);
                listed.Record(Stopwatch.GetElapsedTime(started));
            }

            report.Row($"textDocument/codeAction after an edit (p50 of {runs})", listed.P50, null, $"{count} actions; p99 {listed.P99:F1} ms");
            report.Ratio("codeaction_list_ms_p50", listed.P50, goal: 20, higherIsBetter: false);
        }

        public async Task ExplainAsync(BenchReport report, int runs, CancellationToken ct)
        {
            var (cold, followUp, completion) = (new List<double>(), new List<double>(), new List<double>());
            var (coldTps, followTps, completionTps, rawTps, promptTokens) = (new List<double>(), new List<double>(), new List<double>(), new List<double>(), new List<double>());
            var (besideTps, coldEngineFirst, followEngineFirst, followReused) = (new List<double>(), new List<double>(), new List<double>(), new List<double>());
            // Each round's own ratios (its explanation against the loop that ran right after it, its first turn against its
            // follow-up): the machine's speed drifts between rounds, and a pair taken together shares the drift.
            var (tpsRatios, speedups) = (new List<double>(), new List<double>());
            IReadOnlyDictionary<string, long>? compilerBefore = null;
            var measuredFrom = 0L;
            await WarmUpBrieflyAsync(report, ct).ConfigureAwait(false);
            for (var round = -ExplainWarmUpRounds; round < runs; round++)
            {
                if (round == 0)
                {
                    compilerBefore = RuntimeCompilerTime.Snapshot();
                    measuredFrom = Stopwatch.GetTimestamp();
                }

                var (firstTtft, firstChat, completionTtft, completionStats, followTtft, followChat) = await ConversationAsync(Question, ct).ConfigureAwait(false);

                // The baseline decode loop, on a prompt as long as the first turn's and for as many tokens, taking turns with ours:
                // first beside the completion's cached prompt, as the explanation ran (llama.cpp's attention covers every cell in
                // use, so what other sequences hold slows every sequence's tokens alike), then on an empty cache.
                var beside = firstChat.Stats.GeneratedTokens > 8
                    ? await RawDecodeBesideCacheAsync(firstChat.Stats.PromptTokens, firstChat.Stats.GeneratedTokens, ct).ConfigureAwait(false)
                    : double.NaN;
                var raw = firstChat.Stats.GeneratedTokens > 8
                    ? await RawDecodeAsync(firstChat.Stats.PromptTokens, firstChat.Stats.GeneratedTokens, ct).ConfigureAwait(false)
                    : double.NaN;
                if (round < 0)
                {
                    continue; // warm-up
                }

                cold.Add(firstTtft);
                followUp.Add(followTtft);
                speedups.Add(firstTtft / followTtft);
                completion.Add(completionTtft);
                promptTokens.Add(firstChat.Stats.PromptTokens);
                coldEngineFirst.Add(firstChat.Stats.TimeToFirstToken.TotalMilliseconds);
                followEngineFirst.Add(followChat.Stats.TimeToFirstToken.TotalMilliseconds);
                followReused.Add(followChat.Stats.ReusedTokens);
                if (firstChat.Stats.GeneratedTokens > 8 && double.IsFinite(raw) && double.IsFinite(beside))
                {
                    coldTps.Add(firstChat.Stats.TokensPerSecond);
                    rawTps.Add(raw);
                    besideTps.Add(beside);
                    tpsRatios.Add(firstChat.Stats.TokensPerSecond / beside);
                }

                if (followChat.Stats.GeneratedTokens > 8)
                {
                    followTps.Add(followChat.Stats.TokensPerSecond);
                }

                if (completionStats is { GeneratedTokens: > 1 })
                {
                    completionTps.Add(completionStats.TokensPerSecond);
                }
            }

            // The runtime's background compiler on the cores while the measured rounds ran (it re-JITs hot methods for a
            // while after a new kind of request; the warm-up rounds are there so that this is the steady state).
            if (RuntimeCompilerTime.Since(compilerBefore) is { } compiler)
            {
                var span = Stopwatch.GetElapsedTime(measuredFrom);
                report.Metrics["explain_rounds_jit_cpu_ms"] = compiler.TotalMilliseconds;
                report.Facts["explain_rounds_jit_cpu"] = $"{compiler.TotalMilliseconds:F0} ms of the runtime's background compiler in {span.TotalSeconds:F1} s of measured rounds";
            }

            var (coldMs, followMs, completionMs) = (EngineBenchmark.Median(cold), EngineBenchmark.Median(followUp), EngineBenchmark.Median(completion));
            report.Metrics["explain_prompt_tokens"] = EngineBenchmark.Median(promptTokens);
            report.Metrics["explain_ttft_ms"] = coldMs;
            report.Metrics["explain_followup_ttft_ms"] = followMs;
            report.Metrics["completion_ttft_ms"] = completionMs;
            report.Row($"completion (between the turns, median of {completion.Count})", completionMs, Tps(completionTps), "the article's row 1");
            report.Row($"explain, new selection (~{EngineBenchmark.Median(promptTokens):F0} prompt tokens)", coldMs, Tps(coldTps), "the article's row 2");
            report.Row("explain, follow-up in the same conversation", followMs, Tps(followTps), "the article's row 3");
            report.Row("bare LLamaSharp decode loop, same prompt length", null, Tps(rawTps), $"{rawTps.Count} runs taking turns; empty cache");
            report.Row("the same loop beside the completion's cached prompt", null, Tps(besideTps), "the cache as the explanation had it");
            report.Metrics["explain_engine_first_token_ms"] = EngineBenchmark.Median(coldEngineFirst);
            report.Metrics["followup_engine_first_token_ms"] = EngineBenchmark.Median(followEngineFirst);
            report.Metrics["followup_reused_tokens"] = EngineBenchmark.Median(followReused);
            report.Ratio("followup_ttft_speedup (new selection / follow-up, median of rounds)", EngineBenchmark.Median(speedups), goal: 5);
            report.Metrics["followup_ttft_speedup"] = EngineBenchmark.Median(speedups);
            report.Metrics["followup_ttft_speedup_of_medians"] = coldMs / followMs;
            if (coldTps.Count > 0)
            {
                report.Ratio("explain_tps_ratio (explain / bare loop beside it, median of rounds)", EngineBenchmark.Median(tpsRatios), goal: 0.95);
                report.Metrics["explain_tps_ratio"] = EngineBenchmark.Median(tpsRatios);
                report.Metrics["explain_tps_ratio_of_medians"] = Tps(coldTps)!.Value / Tps(besideTps)!.Value;
                report.Metrics["explain_tps_ratio_empty_cache"] = Tps(coldTps)!.Value / Tps(rawTps)!.Value;
                report.Facts["explain_tps_rounds"] = "explanation / loop beside it / loop on an empty cache, tokens/s, each round: " + string.Join(
                    ", ", coldTps.Select((tps, i) => string.Create(CultureInfo.InvariantCulture, $"{tps:F0}/{besideTps[i]:F0}/{rawTps[i]:F0}")));
            }
            else
            {
                report.Facts["explain_tps_ratio"] = "not measured: the model ended every explanation within 8 tokens";
            }
        }

        /// <summary>Rounds as in <see cref="ExplainAsync"/> whose follow-up is <see cref="ShortQuestion"/>: its time, the rows it decoded, its speed-up.</summary>
        public async Task ShortFollowUpsAsync(BenchReport report, int runs, CancellationToken ct)
        {
            var (ttft, rows, speedups) = (new List<double>(), new List<double>(), new List<double>());
            for (var round = 0; round < runs; round++)
            {
                var (firstTtft, _, _, _, followTtft, followChat) = await ConversationAsync(ShortQuestion, ct).ConfigureAwait(false);
                var stats = followChat.Stats;
                ttft.Add(followTtft);
                rows.Add(stats.PromptTokens - stats.ReusedTokens);
                speedups.Add(firstTtft / followTtft);
            }

            var decoded = EngineBenchmark.Median(rows);
            report.Row($"explain, follow-up \"{ShortQuestion}\"", EngineBenchmark.Median(ttft), null, $"{decoded:F0} rows decoded (median)");
            report.Metrics["explain_followup_short_ttft_ms"] = EngineBenchmark.Median(ttft);
            report.Metrics["followup_short_decoded_rows"] = decoded;
            report.Metrics["followup_short_ttft_speedup"] = EngineBenchmark.Median(speedups);
        }

        /// <summary>
        /// One measured conversation: a new selection explained (its method's name and first line differ each time, so
        /// nothing of it is cached), a completion after an edit (the user types and gets ghost text between the turns),
        /// then <paramref name="question"/> as a follow-up; the conversation ends after it.
        /// </summary>
        private async Task<(double FirstTtft, ChatResult FirstChat, double CompletionTtft, CompletionStats? Completion, double FollowTtft, ChatResult FollowChat)> ConversationAsync(string question, CancellationToken ct)
        {
            await NewRevisionAsync().ConfigureAwait(false);
            var (first, firstTtft) = await ExplainOnceAsync(new { textDocument = new { uri = workspace.Uri }, range = workspace.ReportRange(_revision) }, ct).ConfigureAwait(false);
            var firstChat = engine.LastChat!;
            var conversation = first.GetProperty("conversationId").GetString()!;

            await NewRevisionAsync().ConfigureAwait(false);
            var completionTtft = await CompleteOnceAsync(ct).ConfigureAwait(false);
            var completion = engine.LastCompletion;

            var (_, followTtft) = await ExplainOnceAsync(new { textDocument = new { uri = workspace.Uri }, conversationId = conversation, question }, ct).ConfigureAwait(false);
            var followChat = engine.LastChat!;
            await client.Rpc.InvokeWithParameterObjectAsync<JsonElement>(LspMethods.EndConversation, new { conversationId = conversation }, ct).ConfigureAwait(false);
            return (firstTtft, firstChat, completionTtft, completion, followTtft, followChat);
        }

        public async Task CompletionsDuringExplainAsync(BenchReport report, int samples, CancellationToken ct)
        {
            var idle = new List<double>();
            for (var i = 0; i < samples; i++)
            {
                await NewRevisionAsync().ConfigureAwait(false);
                idle.Add(await CompleteOnceAsync(ct).ConfigureAwait(false));
            }

            var idleMs = EngineBenchmark.Median(idle);
            var delays = new Percentiles();
            var during = new List<double>();
            var explanations = 0;
            while (during.Count < samples && explanations < samples)
            {
                explanations++;
                await NewRevisionAsync().ConfigureAwait(false);
                var token = "x" + ++_token;
                var explain = client.RequestWithProgressAsync(LspMethods.Explain, new { textDocument = new { uri = workspace.Uri }, range = workspace.ReportRange(_revision), partialResultToken = token }, token, ct);
                await client.FirstProgressAsync(token).WaitAsync(TimeSpan.FromMinutes(2), ct).ConfigureAwait(false);
                while (!explain.IsCompleted && during.Count < samples)
                {
                    // Typing goes on while the explanation streams: each keystroke a new text, and its ghost text.
                    await NewRevisionAsync().ConfigureAwait(false);
                    var ttft = await CompleteOnceAsync(ct).ConfigureAwait(false);
                    if (explain.IsCompleted)
                    {
                        break; // it ended while this one ran: not a completion during an explanation throughout
                    }

                    during.Add(ttft);
                    delays.Record(TimeSpan.FromMilliseconds(Math.Max(0, ttft - idleMs)));
                    await Task.Delay(20, ct).ConfigureAwait(false);
                }

                var result = await explain.ConfigureAwait(false);
                await client.Rpc.InvokeWithParameterObjectAsync<JsonElement>(LspMethods.EndConversation, new { conversationId = result.GetProperty("conversationId").GetString() }, ct).ConfigureAwait(false);
            }

            report.Row($"completion, engine idle (median of {idle.Count})", idleMs, null);
            report.Row($"completion while an explanation streams (median of {during.Count})", during.Count == 0 ? null : EngineBenchmark.Median(during), null, $"{explanations} explanations");
            report.Ratio("completion_delay_during_explain_ms_p99 (vs idle)", during.Count == 0 ? double.NaN : delays.P99, goal: 100, higherIsBetter: false);
            report.Metrics["completion_delay_during_explain_ms_p99"] = during.Count == 0 ? double.NaN : delays.P99;
        }

        public async Task RefactorAsync(BenchReport report, int runs, CancellationToken ct)
        {
            var (total, model, rest) = (new List<double>(), new List<double>(), new List<double>());
            var outcomes = new Dictionary<string, int>(StringComparer.Ordinal);
            for (var round = -1; round < runs; round++)
            {
                await NewRevisionAsync().ConfigureAwait(false);
                var actions = await client.Rpc.InvokeWithParameterObjectAsync<JsonElement>(LspMethods.CodeAction, new { textDocument = new { uri = workspace.Uri }, range = workspace.SumRange, context = new { diagnostics = Array.Empty<object>() } }, ct).ConfigureAwait(false);
                var simplify = actions.EnumerateArray().First(a => a.GetProperty("data").GetProperty("actionId").GetString() == CodeActionCatalog.Simplify);
                var engineBefore = engine.EngineTime;
                var started = Stopwatch.GetTimestamp();
                string outcome;
                try
                {
                    var resolved = await client.Rpc.InvokeWithParameterObjectAsync<JsonElement>(LspMethods.CodeActionResolve, simplify, ct).ConfigureAwait(false);
                    outcome = resolved.TryGetProperty("edit", out _) ? "an edit" : "no edit";
                }
                catch (RemoteInvocationException ex)
                {
                    // The tiny models write nonsense: a clear refusal is a normal outcome here.
                    outcome = "refused (" + ex.ErrorCode + ")";
                }

                var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                var inModel = (engine.EngineTime - engineBefore).TotalMilliseconds;
                if (round < 0)
                {
                    continue;
                }

                total.Add(elapsed);
                model.Add(inModel);
                rest.Add(elapsed - inModel);
                outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
            }

            var note = string.Join(", ", outcomes.Select(o => $"{o.Value}× {o.Key}"));
            report.Row($"refactor resolve (median of {runs})", EngineBenchmark.Median(total), null, note);
            report.Row("  of which the model", EngineBenchmark.Median(model), null);
            report.Row("  of which Roslyn (context, compile check, edit)", EngineBenchmark.Median(rest), null);
            report.Metrics["refactor_resolve_ms"] = EngineBenchmark.Median(total);
            report.Metrics["refactor_resolve_model_ms"] = EngineBenchmark.Median(model);
            report.Metrics["refactor_resolve_roslyn_ms"] = EngineBenchmark.Median(rest);
        }

        private async Task<int> ListOnceAsync(CancellationToken ct)
        {
            var actions = await client.Rpc.InvokeWithParameterObjectAsync<JsonElement>(LspMethods.CodeAction, new { textDocument = new { uri = workspace.Uri }, range = workspace.SumRange, context = new { diagnostics = Array.Empty<object>() } }, ct).ConfigureAwait(false);
            return actions.GetArrayLength();
        }

        /// <summary>
        /// Runs the request paths of a round <see cref="BriefRounds"/> times, briefly (an explanation up to its first partial
        /// result, then cancelled; a completion), so that the runtime has compiled them before anything is measured.
        /// </summary>
        private async Task WarmUpBrieflyAsync(BenchReport report, CancellationToken ct)
        {
            var before = RuntimeCompilerTime.Snapshot();
            for (var round = 0; round < BriefRounds; round++)
            {
                await NewRevisionAsync().ConfigureAwait(false);
                var token = "w" + ++_token;
                using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
                var explain = client.RequestWithProgressAsync(
                    LspMethods.Explain, new { textDocument = new { uri = workspace.Uri }, range = workspace.ReportRange(_revision), partialResultToken = token }, token, stop.Token);
                await Task.WhenAny(client.FirstProgressAsync(token), explain).ConfigureAwait(false);
                await stop.CancelAsync().ConfigureAwait(false);
                try
                {
                    await explain.ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    // Cancelled at its first partial result, as meant.
                }

                await NewRevisionAsync().ConfigureAwait(false);
                await CompleteOnceAsync(ct).ConfigureAwait(false);
            }

            if (RuntimeCompilerTime.Since(before) is { } compiler)
            {
                report.Facts["explain_brief_warmup"] =
                    $"{BriefRounds} brief rounds first (an explanation cancelled at its first partial result, a completion): {compiler.TotalMilliseconds:F0} ms of the runtime's background compiler";
            }
        }

        /// <summary>One explanation; returns its result and the time to its first partial result.</summary>
        private async Task<(JsonElement Result, double TtftMs)> ExplainOnceAsync(object parameters, CancellationToken ct)
        {
            var token = "e" + ++_token;
            var withToken = JsonSerializer.SerializeToNode(parameters)!.AsObject();
            withToken["partialResultToken"] = token;
            var sent = client.Now;
            var result = await client.RequestWithProgressAsync(LspMethods.Explain, withToken, token, ct).ConfigureAwait(false);
            var first = client.FirstProgressAsync(token);
            var ttft = first.IsCompleted ? (await first.ConfigureAwait(false) - sent).TotalMilliseconds : (client.Now - sent).TotalMilliseconds;
            return (result, ttft);
        }

        /// <summary>One inline completion at the end of the fresh comment line; its time to the first partial result.</summary>
        private async Task<double> CompleteOnceAsync(CancellationToken ct)
        {
            var token = "c" + ++_token;
            var sent = client.Now;
            var text = await client.InlineAsync(workspace.CompletionPosition(_revision), token, ct).ConfigureAwait(false);
            var first = client.FirstProgressAsync(token);
            return first.IsCompleted ? (await first.ConfigureAwait(false) - sent).TotalMilliseconds : (client.Now - sent).TotalMilliseconds;
        }

        private Task NewRevisionAsync() => client.ReplaceAllAsync(workspace.Write(++_revision));

        private async Task<double> RawDecodeAsync(int promptTokens, int generated, CancellationToken ct)
        {
            var prompt = llama.Tokenize(EngineBenchmark.BuildPrompt(llama, promptTokens));
            await llama.ResetCacheAsync(ct).ConfigureAwait(false);
            var run = await llama.RunExclusiveAsync((context, weights) => EngineBenchmark.BareLoop(context, weights, prompt, generated), ct).ConfigureAwait(false);
            await llama.ResetCacheAsync(ct).ConfigureAwait(false);
            return run.TokensPerSecond;
        }

        private async Task<double> RawDecodeBesideCacheAsync(int promptTokens, int generated, CancellationToken ct)
        {
            var prompt = llama.Tokenize(EngineBenchmark.BuildPrompt(llama, promptTokens));
            var run = await llama.RunBesideCachedAsync((context, weights, seq) => EngineBenchmark.BareLoop(context, weights, prompt, generated, seq), ct).ConfigureAwait(false);
            return run.TokensPerSecond;
        }

        private static double? Tps(List<double> values) => values.Count == 0 ? null : EngineBenchmark.Median(values);
    }
}
