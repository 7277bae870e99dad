using System.Diagnostics;
using System.Globalization;
using System.Text;
using LLama.Native;
using LLama.Sampling;
using LLama;
using LspCopilot.Completion;
using LspCopilot.Engine.Models;

namespace LspCopilot.Engine.CpuVariants;

/// <summary>
/// Times the llama.cpp library in one folder on a model, in this process (which must not have loaded
/// llama.cpp yet: <c>lspcopilot cpu-probe</c> runs it in a child process per build). A prefill of fresh
/// text, decoded in the engine's chunks, then single-token greedy decode steps; the best of a few runs.
/// </summary>
public static class CpuVariantProbe
{
    public const int PrefillTokens = 192;
    public const int DecodeSteps = 8;

    private const int MinRuns = 3;
    private const int MaxRuns = 50;

    /// <summary>Runs past <see cref="MinRuns"/> continue while the measuring has taken less than this (tiny models are noisy).</summary>
    private static readonly TimeSpan s_enough = TimeSpan.FromSeconds(1);

    public static CpuVariantTiming Measure(string modelPath, string libraryDir, int threads, ServerLog log)
    {
        if (NativeLibraryConfig.LLama.LibraryHasLoaded)
        {
            throw new InvalidOperationException("llama.cpp is already loaded in this process: each CPU build must be timed in a fresh process.");
        }

        var folder = Path.GetFullPath(libraryDir);
        NativeBackend.Configure(log, folder);
        var options = new EngineOptions { ModelPath = modelPath, Threads = threads, BatchThreads = threads, ContextSize = 512, GpuLayers = 0 };
        var modelParams = ModelParamsFactory.Create(modelPath, options);
        using var weights = LLamaWeights.LoadFromFile(modelParams);
        CheckLoadedFrom(folder);
        using var context = weights.CreateContext(modelParams);

        var chunk = Math.Max(1, options.PrefillChunk);
        var bestPrefill = double.MaxValue;
        var bestDecode = double.MaxValue;
        var tokens = 0;
        var clock = Stopwatch.StartNew();
        for (var run = 0; run < MaxRuns && (run < MinRuns || clock.Elapsed < s_enough); run++)
        {
            context.NativeHandle.MemoryClear(true);
            var prompt = Prompt(context, run);
            tokens = prompt.Length;
            var batch = new LLamaBatch();
            var timer = Stopwatch.StartNew();
            for (var start = 0; start < prompt.Length; start += chunk)
            {
                batch.Clear();
                var count = Math.Min(chunk, prompt.Length - start);
                for (var i = 0; i < count; i++)
                {
                    batch.Add(prompt[start + i], start + i, LLamaSeqId.Zero, start + i == prompt.Length - 1);
                }

                Decode(context, batch);
            }

            bestPrefill = Math.Min(bestPrefill, timer.Elapsed.TotalMilliseconds);

            using var sampler = new GreedySamplingPipeline();
            var index = batch.TokenCount - 1;
            var position = prompt.Length;
            timer.Restart();
            for (var step = 0; step < DecodeSteps; step++)
            {
                var token = sampler.Sample(context.NativeHandle, index);
                batch.Clear();
                batch.Add(token, position++, LLamaSeqId.Zero, true);
                Decode(context, batch);
                index = 0;
            }

            bestDecode = Math.Min(bestDecode, timer.Elapsed.TotalMilliseconds / DecodeSteps);
        }

        return new CpuVariantTiming(Path.GetFileName(folder.TrimEnd(Path.DirectorySeparatorChar)), tokens, bestPrefill, DecodeSteps, bestDecode);
    }

    /// <summary>LLamaSharp could fall back to another library: make sure the one timed is the one asked for.</summary>
    private static void CheckLoadedFrom(string folder)
    {
        foreach (var file in NativeLibraryProbe.LoadedFiles())
        {
            var name = Path.GetFileName(file);
            if ((name.StartsWith("libllama", StringComparison.Ordinal) || name.StartsWith("libggml-cpu", StringComparison.Ordinal))
                && !string.Equals(Path.GetDirectoryName(Path.GetFullPath(file)), folder, StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"asked for the build in {folder} but {file} loaded");
            }
        }
    }

    /// <summary>Code-like text that differs per run, cut to <see cref="PrefillTokens"/> tokens (BOS included where the model wants one).</summary>
    private static LLamaToken[] Prompt(LLamaContext context, int run)
    {
        var text = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        for (var line = 0; text.Length < PrefillTokens * 8; line++)
        {
            var n = (run * 131) + line;
            text.Append(c, $"    var total{n} = items.Where(item => item.Id > {n * 7}).Sum(item => item.Price * {(n % 5) + 1}); // line {n}\n");
        }

        // As the engine does: characters the vocabulary cannot spell are replaced first (llama.cpp's tokenizer aborts the
        // process on them: TinyStories-656K has no byte tokens for some of this text).
        var guard = VocabularyGuard.For(context.NativeHandle.ModelHandle, context.NativeHandle);
        var tokens = context.Tokenize(guard.Sanitize(text.ToString()), addBos: context.Vocab.ShouldAddBOS, special: false);
        return tokens.Length <= PrefillTokens ? tokens : tokens[..PrefillTokens];
    }

    private static void Decode(LLamaContext context, LLamaBatch batch)
    {
        var result = context.Decode(batch);
        if (result != DecodeResult.Ok)
        {
            throw new InvalidOperationException($"llama_decode failed: {result}");
        }
    }
}
