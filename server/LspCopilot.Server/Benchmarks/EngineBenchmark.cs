using System.Diagnostics;
using LLama.Native;
using LLama.Sampling;
using LLama;
using LspCopilot.Completion;
using LspCopilot.Engine;

namespace LspCopilot.Server.Benchmarks;

/// <summary>
/// The engine alone: time to first token for a ~1,500-token prompt cold and after a one-character
/// append (prefix reuse), and our generation loop against a bare LLamaSharp decode loop on the same
/// context.
/// </summary>
public static class EngineBenchmark
{
    public const int PromptTokens = 1500;

    public static async Task RunAsync(LlamaEngine engine, BenchReport report, int runs, CancellationToken ct)
    {
        var prompt = BuildPrompt(engine, PromptTokens);
        var generation = new GenerationOptions { MaxTokens = 1, PrefixTokens = PromptTokens + 200 };
        var cold = new List<double>();
        var warm = new List<double>();
        var promptCount = 0;
        for (var i = 0; i < runs; i++)
        {
            await engine.ResetCacheAsync(ct).ConfigureAwait(false);
            var coldResult = await engine.CompleteAsync(new CompletionRequest(prompt, string.Empty, CompletionMode.MultiLine) { Generation = generation }, null, ct).ConfigureAwait(false);
            cold.Add(coldResult.Stats.TimeToFirstToken.TotalMilliseconds);
            promptCount = coldResult.Stats.PromptTokens;

            // A different character each time: a user typing, never a repeat.
            var typed = prompt + (char)('a' + (i % 26));
            var warmResult = await engine.CompleteAsync(new CompletionRequest(typed, string.Empty, CompletionMode.MultiLine) { Generation = generation }, null, ct).ConfigureAwait(false);
            warm.Add(warmResult.Stats.TimeToFirstToken.TotalMilliseconds);
        }

        var coldMs = Median(cold);
        var warmMs = Median(warm);
        report.Metrics["ttft_cold_ms"] = coldMs;
        report.Metrics["ttft_warm_ms"] = warmMs;
        report.Metrics["prompt_tokens"] = promptCount;
        report.Row($"{promptCount}-token prompt, cold (median of {runs})", coldMs, null);
        report.Row("same prompt + 1 char, KV prefix reused", warmMs, null);
        report.Ratio("prefix_reuse_speedup (cold / warm TTFT)", coldMs / warmMs, goal: 20);
        report.Metrics["prefix_reuse_speedup"] = coldMs / warmMs;

        await RunDecodeAsync(engine, report, Math.Max(3, runs / 4), ct).ConfigureAwait(false);
    }

    private static async Task RunDecodeAsync(LlamaEngine engine, BenchReport report, int runs, CancellationToken ct)
    {
        const int maxTokens = 256;
        var request = new CompletionRequest("Once upon a time, there was a little girl named Lily. She", string.Empty, CompletionMode.MultiLine)
        {
            Generation = new GenerationOptions { MaxTokens = maxTokens },
        };
        var promptTokens = engine.BuildPrompt(request);
        var ours = new List<double>();
        var raw = new List<double>();
        var generated = 0;
        for (var i = 0; i < runs; i++)
        {
            // Alternate so that machine noise hits both the same way.
            var rawRun = await engine.RunExclusiveAsync((context, weights) => BareLoop(context, weights, promptTokens, maxTokens), ct).ConfigureAwait(false);
            raw.Add(rawRun.TokensPerSecond);
            var oursRun = await engine.CompleteAsync(request, static _ => { }, ct).ConfigureAwait(false);
            await engine.ResetCacheAsync(ct).ConfigureAwait(false);
            ours.Add(oursRun.Stats.TokensPerSecond);
            generated = oursRun.Stats.GeneratedTokens;
        }

        var oursTps = Median(ours);
        var rawTps = Median(raw);
        report.Metrics["decode_tps"] = oursTps;
        report.Metrics["raw_decode_tps"] = rawTps;
        report.Metrics["decode_tokens"] = generated;
        report.Row($"generation, our path ({generated} tokens, streamed)", null, oursTps);
        report.Row("generation, bare LLamaSharp decode loop", null, rawTps);
        report.Ratio("decode_ratio (ours / bare loop)", oursTps / rawTps, goal: 0.95);
        report.Metrics["decode_ratio"] = oursTps / rawTps;
    }

    /// <summary>The baseline: decode the prompt, then greedy-sample and decode one token at a time.</summary>
    internal static (int Tokens, double TokensPerSecond) BareLoop(LLamaContext context, LLamaWeights weights, IReadOnlyList<LLamaToken> prompt, int maxTokens, LLamaSeqId seq = default)
    {
        // The prompt in batches the context takes (a long prompt is more than one).
        var batch = new LLamaBatch();
        var size = (int)context.BatchSize;
        for (var start = 0; start < prompt.Count; start += size)
        {
            batch.Clear();
            for (var i = start; i < Math.Min(prompt.Count, start + size); i++)
            {
                batch.Add(prompt[i], i, seq, i == prompt.Count - 1);
            }

            context.Decode(batch);
        }

        using var sampler = new GreedySamplingPipeline();
        var position = prompt.Count;
        var index = batch.TokenCount - 1;
        var generated = 0;
        var clock = new Stopwatch();
        while (generated < maxTokens)
        {
            var token = sampler.Sample(context.NativeHandle, index);
            if (generated == 0)
            {
                clock.Start();
            }

            generated++;
            if (token.IsEndOfGeneration(weights.Vocab))
            {
                break;
            }

            sampler.Accept(token);
            batch.Clear();
            batch.Add(token, position++, seq, true);
            context.Decode(batch);
            index = 0;
        }

        // Same definition as CompletionStats.TokensPerSecond: tokens after the first over the time after it.
        return (generated, generated > 1 ? (generated - 1) / clock.Elapsed.TotalSeconds : 0);
    }

    /// <summary>Story text of about <paramref name="tokens"/> tokens in this model's tokenizer.</summary>
    internal static string BuildPrompt(LlamaEngine engine, int tokens)
    {
        var lines = new List<string>();
        var names = new[] { "Lily", "Tom", "Max", "Sue", "Ben", "Mia" };
        var i = 0;
        while (engine.CountTokens(string.Join('\n', lines)) < tokens)
        {
            lines.Add($"One day {names[i % names.Length]} went to the park with a red ball and met a friend number {i}.");
            i++;
        }

        var text = string.Join('\n', lines);
        while (engine.CountTokens(text) > tokens && text.Length > 0)
        {
            text = text[..^1];
        }

        return text;
    }

    internal static double Median(List<double> values)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
