using System.Diagnostics;
using System.Globalization;
using LspCopilot.Completion;
using LspCopilot.Engine;
using LspCopilot.Engine.Models;
using LspCopilot.Server.Hosting;

namespace LspCopilot.Server.Benchmarks;

/// <summary>
/// <c>bench --suite decode</c>: greedy decode speed with speculation against the same model without it, in one run.
/// Engines with and without speculation take turns request by request (the same prompts, the same token limit), and
/// each figure is the median of the pairs' ratios, so machine noise hits both alike. Prompt lookup is measured on
/// code-like repetitive prompts (where it should pay) and on prose that does not repeat (where it must cost nothing);
/// a draft model (<c>--draft-model</c>, else one derived from the model by keeping the first half of its blocks: the same
/// vocabulary) on both; and the model drafting for itself, whose acceptance proves the verification path.
/// </summary>
public static class DecodeBenchmark
{
    private const int MaxTokens = 128;
    private const int WarmupRounds = 2;

    public static async Task<int> RunAsync(EngineOptions options, ServerLog log, bool json, int runs, CancellationToken ct)
    {
        var progress = json ? TextWriter.Null : Console.Error;
        var clock = Stopwatch.StartNew();
        string? derived = null;
        try
        {
            options = options with { ModelPath = ModelFileCheck.Validate(options.ModelPath), CacheReuseMinChunk = 0 };
            // The CPU build of llama.cpp a server would load here (LLamaSharp's own pick can be several times slower).
            options = CpuBuildSelection.Apply(options, log, ct);
            var draftPath = options.DraftModelPath;
            if (draftPath is null)
            {
                derived = Path.Combine(Path.GetTempPath(), $"lspcopilot-draft-{Environment.ProcessId}.gguf");
                var header = GgufReader.Read(options.ModelPath!);
                var blocks = (int)(header.GetInteger(header.ArchKey("block_count")) ?? 2);
                var keep = (blocks + 1) / 2;
                await progress.WriteLineAsync($"Deriving a draft model: the first {keep} of {blocks} blocks…").ConfigureAwait(false);
                LayerDropper.Derive(options.ModelPath!, derived, keep);
                draftPath = derived;
            }

            await progress.WriteLineAsync("Loading the model seven times: plain, prompt lookup, draft model, drafting for itself, other prompt batches, batch-invariant plain and lookup…").ConfigureAwait(false);
            using var plain = LlamaEngine.Load(options with { Speculation = "off", DraftModelPath = null }, log);
            using var lookup = LlamaEngine.Load(options with { Speculation = "lookup", DraftModelPath = null }, log);
            using var draft = LlamaEngine.Load(options with { Speculation = "draft", DraftModelPath = draftPath }, log);
            using var self = LlamaEngine.Load(options with { Speculation = "draft", DraftModelPath = options.ModelPath }, log);
            // Plain decoding with other prompt batches: how far llama.cpp's greedy output moves with batch shapes alone.
            using var rechunked = LlamaEngine.Load(options with { Speculation = "off", DraftModelPath = null, PrefillChunk = 512 }, log);
            // --batch-invariant: every step decodes several rows, so lookup must give plain decoding's text exactly.
            using var invariantPlain = LlamaEngine.Load(options with { Speculation = "off", DraftModelPath = null, BatchInvariant = true }, log);
            using var invariantLookup = LlamaEngine.Load(options with { Speculation = "lookup", DraftModelPath = null, BatchInvariant = true }, log);

            await progress.WriteLineAsync($"Decoding {MaxTokens} tokens per request, {runs} rounds…").ConfigureAwait(false);
            var report = new BenchReport();
            report.Facts["model"] = plain.ModelName;
            report.Facts["draft_model"] = derived is null ? Path.GetFileName(draftPath) : $"derived from {plain.ModelName}";
            report.Facts["threads"] = options.Threads.ToString(CultureInfo.InvariantCulture);

            var lookupCode = await CompareAsync(plain, lookup, DecodePrompts.Repetitive, runs, ct).ConfigureAwait(false);
            var lookupProse = await CompareAsync(plain, lookup, DecodePrompts.Prose, runs, ct).ConfigureAwait(false);
            var draftAll = await CompareAsync(plain, draft, [.. DecodePrompts.Repetitive, .. DecodePrompts.Prose], runs, ct).ConfigureAwait(false);
            var selfAll = await CompareAsync(plain, self, [.. DecodePrompts.Repetitive, .. DecodePrompts.Prose], Math.Max(1, runs / 4), ct).ConfigureAwait(false);
            var rechunkedAll = await CompareAsync(plain, rechunked, [.. DecodePrompts.Repetitive, .. DecodePrompts.Prose], Math.Max(1, runs / 4), ct).ConfigureAwait(false);
            var invariantCode = await CompareAsync(invariantPlain, invariantLookup, DecodePrompts.Repetitive, runs, ct).ConfigureAwait(false);
            var invariantProse = await CompareAsync(invariantPlain, invariantLookup, DecodePrompts.Prose, Math.Max(1, runs / 4), ct).ConfigureAwait(false);
            var invariantCost = await CompareAsync(plain, invariantPlain, DecodePrompts.Repetitive, Math.Max(1, runs / 4), ct).ConfigureAwait(false);

            report.Row("plain greedy decode, repetitive code-like prompts", null, lookupCode.PlainTokensPerSecond);
            report.Row("same, prompt lookup", null, lookupCode.TokensPerSecond, $"{lookupCode.AcceptRate:P0} of drafts accepted");
            report.Row("plain greedy decode, prose", null, lookupProse.PlainTokensPerSecond);
            report.Row("same, prompt lookup", null, lookupProse.TokensPerSecond, $"{lookupProse.AcceptRate:P0} of drafts accepted");
            report.Row("draft model, both prompt sets", null, draftAll.TokensPerSecond, $"{draftAll.AcceptRate:P0} accepted; plain {draftAll.PlainTokensPerSecond:F0} tokens/s");
            report.Row("the model drafting for itself", null, selfAll.TokensPerSecond, $"{selfAll.AcceptRate:P0} accepted (proves verification)");
            Figure(report, "lookup_speedup", "lookup_speedup (tokens/s with lookup ÷ without, code-like)", lookupCode.Speedup, 1.5);
            Figure(report, "lookup_accept_rate", "lookup_accept_rate (code-like)", lookupCode.AcceptRate, null);
            Figure(report, "lookup_plain_ratio", "lookup_plain_ratio (the same on prose)", lookupProse.Speedup, 0.97);
            Figure(report, "draft_speedup", "draft_speedup (draft model ÷ plain)", draftAll.Speedup, 0.97);
            Figure(report, "draft_accept_rate", "draft_accept_rate", draftAll.AcceptRate, null);
            Figure(report, "draft_self_accept_rate", "draft_self_accept_rate (the model as its own draft)", selfAll.AcceptRate, 0.95);
            report.Metrics["lookup_plain_accept_rate"] = lookupProse.AcceptRate;

            // Every request ran through both engines: the texts must be the same (warm-up rounds included).
            Comparison[] all = [lookupCode, lookupProse, draftAll, selfAll];
            var (compared, differing) = (all.Sum(c => c.Requests), all.Sum(c => c.Differing));
            report.Metrics["speculation_requests_compared"] = compared;
            report.Metrics["speculation_texts_differing"] = differing;
            report.Row($"texts that differ from plain decoding: {differing} of {compared} requests (must be 0)", null, null);
            report.Metrics["rechunked_texts_differing"] = rechunkedAll.Differing;
            report.Metrics["rechunked_requests_compared"] = rechunkedAll.Requests;
            report.Row($"plain decoding with --prefill-chunk 512 instead of 64: {rechunkedAll.Differing} of {rechunkedAll.Requests} texts differ", null, null, "batch shapes alone");
            report.Metrics["draft_self_speedup"] = selfAll.Speedup;
            report.Row("--batch-invariant: plain greedy decode, code-like", null, invariantCode.PlainTokensPerSecond, $"{invariantCost.Speedup:F2}× the default plain decode's speed");
            report.Row("--batch-invariant: prompt lookup, code-like", null, invariantCode.TokensPerSecond, $"{invariantCode.AcceptRate:P0} of drafts accepted");
            var invariantDiffering = invariantCode.Differing + invariantProse.Differing;
            var invariantCompared = invariantCode.Requests + invariantProse.Requests;
            report.Row($"--batch-invariant: texts that differ from its plain decoding: {invariantDiffering} of {invariantCompared} requests (must be 0)", null, null);
            report.Metrics["invariant_lookup_speedup"] = invariantCode.Speedup;
            report.Metrics["invariant_lookup_plain_ratio"] = invariantProse.Speedup;
            report.Metrics["invariant_plain_speed_ratio"] = invariantCost.Speedup;
            report.Metrics["invariant_texts_differing"] = invariantDiffering;
            report.Metrics["invariant_requests_compared"] = invariantCompared;
            report.NoteLoadAverage();
            report.Print(json, clock.Elapsed);
            return 0;
        }
        catch (ModelLoadException ex)
        {
            await Console.Error.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
            return 3;
        }
        finally
        {
            if (derived is not null)
            {
                File.Delete(derived);
            }
        }
    }

    /// <summary>A ratio in the table under its explanation, and in the JSON under its short name.</summary>
    private static void Figure(BenchReport report, string key, string label, double value, double? goal)
    {
        report.Ratio(label, value, goal);
        report.Metrics.Remove(label);
        report.Metrics[key] = value;
    }

    /// <summary>Each prompt through both engines in turn, round after round; the speed-up is the median of the pairs' ratios.</summary>
    private static async Task<Comparison> CompareAsync(LlamaEngine plain, LlamaEngine speculating, IReadOnlyList<string> prompts, int runs, CancellationToken ct)
    {
        var ratios = new List<double>();
        double plainTokens = 0, plainSeconds = 0, tokens = 0, seconds = 0;
        int drafted = 0, accepted = 0, differing = 0;
        for (var round = 0; round < runs + WarmupRounds; round++)
        {
            foreach (var prompt in prompts)
            {
                // A new first line each round: the prompt's decode is not what is measured, but the cache must not hand over the answer.
                var request = new CompletionRequest($"// round {round}\n{prompt}", string.Empty, CompletionMode.MultiLine) { Generation = new GenerationOptions { MaxTokens = MaxTokens } };
                (LlamaEngine Engine, bool Speculates)[] order = round % 2 == 0 ? [(plain, false), (speculating, true)] : [(speculating, true), (plain, false)];
                double plainRate = 0, rate = 0;
                string? plainText = null, text = null;
                foreach (var (engine, speculates) in order)
                {
                    var result = await engine.CompleteAsync(request, null, ct).ConfigureAwait(false);
                    if (speculates)
                    {
                        text = result.Text;
                    }
                    else
                    {
                        plainText = result.Text;
                    }

                    var stats = result.Stats;
                    var decodeSeconds = (stats.Total - stats.TimeToFirstToken).TotalSeconds;
                    var decoded = Math.Max(0, stats.GeneratedTokens - 1);
                    if (round < WarmupRounds || decoded == 0 || decodeSeconds <= 0)
                    {
                        continue;
                    }

                    if (speculates)
                    {
                        tokens += decoded;
                        seconds += decodeSeconds;
                        drafted += stats.Drafted;
                        accepted += stats.DraftAccepted;
                        rate = decoded / decodeSeconds;
                    }
                    else
                    {
                        plainTokens += decoded;
                        plainSeconds += decodeSeconds;
                        plainRate = decoded / decodeSeconds;
                    }
                }

                if (plainRate > 0 && rate > 0)
                {
                    ratios.Add(rate / plainRate);
                }

                // Greedy speculation should not change the text; llama.cpp's batch rounding can flip near-ties (counted).
                if (!string.Equals(plainText, text, StringComparison.Ordinal))
                {
                    differing++;
                }
            }
        }

        return new Comparison(
            ratios.Count == 0 ? double.NaN : EngineBenchmark.Median(ratios),
            drafted == 0 ? 0 : (double)accepted / drafted,
            seconds > 0 ? tokens / seconds : 0,
            plainSeconds > 0 ? plainTokens / plainSeconds : 0,
            differing,
            (runs + WarmupRounds) * prompts.Count);
    }

    private readonly record struct Comparison(double Speedup, double AcceptRate, double TokensPerSecond, double PlainTokensPerSecond, int Differing, int Requests);
}
