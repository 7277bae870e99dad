using System.Diagnostics;
using LLama;
using LLama.Common;
using LLama.Native;
using LLama.Sampling;
using LspCopilot.Server.Configuration;
using LspCopilot.Server.Logging;

namespace LspCopilot.Server.Inference;

/// <summary>
/// One long-lived llama.cpp model and context. Keeps the tokens that are in the KV cache, so each
/// request decodes only what differs from the previous prompt (longest common prefix). Decoding is
/// serialized: one request runs at a time, and it checks cancellation between prefill chunks and
/// per generated token.
/// </summary>
public sealed class LlamaEngine : ICompletionEngine
{
    private static readonly LLamaSeqId s_seq = LLamaSeqId.Zero;

    private readonly LLamaWeights _weights;
    private readonly LLamaContext _context;
    private readonly EngineOptions _options;
    private readonly ServerLog _log;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly List<LLamaToken> _cached = [];
    private readonly PromptBuilder _prompts;
    private readonly VocabularyGuard _guard;
    private readonly LLamaBatch _batch = new();
    private bool _disposed;

    private LlamaEngine(LLamaWeights weights, LLamaContext context, EngineOptions options, ServerLog log)
    {
        _weights = weights;
        _context = context;
        _options = options;
        _log = log;
        ModelName = Path.GetFileName(options.ModelPath) ?? "model";
        Fim = FimLayout.FromVocabulary(weights.NativeHandle.Vocab);
        _guard = VocabularyGuard.For(weights.NativeHandle, context.NativeHandle);
        if (!_guard.PassesEverything)
        {
            log.Info($"{ModelName}: its vocabulary cannot spell every character; those are replaced before tokenizing.");
        }

        _prompts = new PromptBuilder(Tokenize, Fim, weights.NativeHandle.Vocab.ShouldAddBOS ? weights.NativeHandle.Vocab.BOS : null);
    }

    public string ModelName { get; }

    public FimLayout Fim { get; }

    public int ContextSize => (int)_context.ContextSize;

    /// <summary>Tokens currently held in the KV cache (for tests and stats).</summary>
    public int CachedTokenCount => _cached.Count;

    /// <summary>Loads the model; throws <see cref="ModelLoadException"/> with a user-facing message on failure.</summary>
    public static LlamaEngine Load(EngineOptions options, ServerLog log)
    {
        var path = ModelFileCheck.Validate(options.ModelPath);
        NativeBackend.Configure(log, options.NativeLibDir);
        var sw = Stopwatch.StartNew();
        try
        {
            var modelParams = ModelParamsFactory.Create(path, options);
            var weights = LLamaWeights.LoadFromFile(modelParams);
            if (options.ContextSize is null)
            {
                modelParams = modelParams with { ContextSize = (uint)Math.Min(weights.ContextSize, EngineOptions.DefaultMaxContext) };
            }

            var context = weights.CreateContext(modelParams);
            log.Info($"Loaded {Path.GetFileName(path)} in {sw.ElapsedMilliseconds} ms: context {context.ContextSize} tokens, {options.Threads} threads.");
            return new LlamaEngine(weights, context, options with { ModelPath = path }, log);
        }
        catch (Exception ex) when (ex is not ModelLoadException)
        {
            throw new ModelLoadException(
                $"Could not load the model '{path}': {ex.Message}. Check that it is a complete GGUF file that this llama.cpp build supports (re-download it if unsure).",
                ex);
        }
    }

    public int CountTokens(string text) => Tokenize(text).Length;

    internal LLamaToken[] Tokenize(string text) =>
        text.Length == 0 ? [] : _context.Tokenize(_guard.Sanitize(text), addBos: false, special: false);

    internal string TokenText(int token) => _weights.NativeHandle.Vocab.LLamaTokenToString((LLamaToken)token, isSpecialToken: true) ?? string.Empty;

    public async Task<CompletionResult> CompleteAsync(CompletionRequest request, Action<string>? onText, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await Task.Factory.StartNew(
                () => Run(request, onText, cancellationToken),
                cancellationToken,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private CompletionResult Run(CompletionRequest request, Action<string>? onText, CancellationToken ct)
    {
        var started = Stopwatch.StartNew();
        var generation = request.Generation;
        var prompt = _prompts.Build(request, ContextSize);
        try
        {
            var reused = Prefill(prompt, ct, out var logitsIndex);
            return Generate(request, prompt.Count, reused, logitsIndex, onText, started, ct);
        }
        catch (OperationCanceledException)
        {
            throw;
        }
        catch
        {
            // A failed decode leaves the KV cache in an unknown state: start from scratch next time.
            ResetCache();
            throw;
        }

        CompletionResult Generate(CompletionRequest req, int promptTokens, int reusedTokens, int index, Action<string>? sink, Stopwatch clock, CancellationToken token)
        {
            using var sampler = CreateSampler(generation);
            var decoder = new StreamingTokenDecoder(_context);
            var vocab = _weights.NativeHandle.Vocab;
            var text = string.Empty;
            var generated = 0;
            var ttft = TimeSpan.Zero;
            var reason = StopReason.TokenLimit;
            var logitsAt = index;

            while (generated < generation.MaxTokens)
            {
                token.ThrowIfCancellationRequested();
                if (_cached.Count >= ContextSize)
                {
                    reason = StopReason.ContextFull;
                    break;
                }

                var next = sampler.Sample(_context.NativeHandle, logitsAt);
                if (generated == 0)
                {
                    ttft = clock.Elapsed;
                }

                generated++;
                if (next.IsEndOfGeneration(vocab) || IsFimControl(next))
                {
                    reason = StopReason.EndOfGeneration;
                    break;
                }

                sampler.Accept(next);
                decoder.Add(next);
                text += decoder.Read();

                if (req.Mode == CompletionMode.SingleLine)
                {
                    var newline = text.IndexOf('\n', StringComparison.Ordinal);
                    if (newline >= 0)
                    {
                        text = text[..newline].TrimEnd('\r');
                        reason = StopReason.EndOfLine;
                        break;
                    }
                }

                if (req.Stopper?.FindStop(text) is int keep)
                {
                    text = text[..keep];
                    reason = StopReason.Stopper;
                    break;
                }

                sink?.Invoke(text);

                _batch.Clear();
                _batch.Add(next, _cached.Count, s_seq, true);
                Decode(_batch);
                _cached.Add(next);
                logitsAt = 0;
            }

            if (reason != StopReason.TokenLimit && reason != StopReason.ContextFull)
            {
                sink?.Invoke(text);
            }

            return new CompletionResult(text, reason, new CompletionStats(promptTokens, reusedTokens, generated, ttft, clock.Elapsed));
        }
    }

    /// <summary>Brings the KV cache to hold exactly <paramref name="prompt"/>; returns how many tokens were reused.</summary>
    private int Prefill(List<LLamaToken> prompt, CancellationToken ct, out int logitsIndex)
    {
        var common = 0;
        var limit = Math.Min(_cached.Count, prompt.Count);
        while (common < limit && _cached[common] == prompt[common])
        {
            common++;
        }

        // The last prompt token is always decoded again: its logits choose the first new token.
        if (common == prompt.Count)
        {
            common--;
        }

        if (common < _cached.Count)
        {
            _context.NativeHandle.MemorySequenceRemove(s_seq, common, -1);
            _cached.RemoveRange(common, _cached.Count - common);
        }

        var chunk = Math.Max(1, _options.PrefillChunk);
        logitsIndex = 0;
        for (var start = common; start < prompt.Count; start += chunk)
        {
            ct.ThrowIfCancellationRequested();
            var count = Math.Min(chunk, prompt.Count - start);
            var last = start + count == prompt.Count;
            _batch.Clear();
            for (var i = 0; i < count; i++)
            {
                _batch.Add(prompt[start + i], start + i, s_seq, last && i == count - 1);
            }

            Decode(_batch);
            _cached.AddRange(prompt.GetRange(start, count));
            logitsIndex = count - 1;
        }

        return common;
    }

    private void Decode(LLamaBatch batch)
    {
        var result = _context.Decode(batch);
        if (result != DecodeResult.Ok)
        {
            throw new InvalidOperationException($"llama_decode failed: {result}");
        }
    }

    private bool IsFimControl(LLamaToken token)
    {
        var id = (int)token;
        return Fim.HasFim && (id == Fim.PrefixToken || id == Fim.SuffixToken || id == Fim.MiddleToken);
    }

    private static BaseSamplingPipeline CreateSampler(GenerationOptions generation) =>
        generation.Temperature <= 0
            ? new GreedySamplingPipeline()
            : new DefaultSamplingPipeline { Temperature = generation.Temperature, Seed = generation.Seed };

    private void ResetCache()
    {
        _context.NativeHandle.MemoryClear(true);
        _cached.Clear();
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _gate.Wait();
        try
        {
            _context.Dispose();
            _weights.Dispose();
        }
        finally
        {
            _gate.Release();
            _gate.Dispose();
        }
    }
}
