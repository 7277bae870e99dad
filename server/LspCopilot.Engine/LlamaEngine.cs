using System.Diagnostics;
using System.Text;
using LLama.Native;
using LLama.Sampling;
using LLama;
using LspCopilot.Completion;
using LspCopilot.Engine.Models;

namespace LspCopilot.Engine;

/// <summary>
/// One long-lived llama.cpp model and context. The <see cref="KvCache"/> remembers the tokens in the
/// KV cache, so each request decodes only what differs from the previous prompt. Decoding is
/// serialized: one request runs at a time, checking cancellation between prefill chunks and per
/// generated token.
/// </summary>
public sealed class LlamaEngine : ICompletionEngine, IProgressSource
{
    private readonly LLamaWeights _weights;
    private readonly LLamaContext _context;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly EngineThread _thread = new("llama engine");
    private readonly bool _fillsEveryCore;
    private readonly KvCache _cache;
    private readonly PromptBuilder _prompts;
    private readonly VocabularyGuard _guard;

    /// <summary>The previous request's prompt (traced requests count what changed against it).</summary>
    private IReadOnlyList<LLamaToken>? _lastPrompt;
    private bool _disposed;
    private long _progress;

    private LlamaEngine(LLamaWeights weights, LLamaContext context, EngineOptions options, ServerLog log)
    {
        _weights = weights;
        _context = context;
        Options = options;
        _fillsEveryCore = options.Threads >= Environment.ProcessorCount;
        ModelName = Path.GetFileName(options.ModelPath) ?? "model";
        Fim = VocabularyFim.FromVocabulary(weights.NativeHandle.Vocab, weights.Metadata.GetValueOrDefault("general.architecture"), weights.Metadata.GetValueOrDefault("general.name"))
            .WithOrder(options.FimOrder);
        _cache = new KvCache(context, options.PrefillChunk, options.CacheReuseMinChunk);
        _cache.ChunkStarting += () => Interlocked.Increment(ref _progress);
        _guard = VocabularyGuard.For(weights.NativeHandle, context.NativeHandle);
        if (!_guard.PassesEverything)
        {
            log.Info($"{ModelName}: its vocabulary cannot spell every character; those are replaced before tokenizing.");
        }

        _prompts = new PromptBuilder(Tokenize, Fim, weights.NativeHandle.Vocab.ShouldAddBOS ? weights.NativeHandle.Vocab.BOS : null);
    }

    public string ModelName { get; }

    public FimLayout Fim { get; }

    public EngineOptions Options { get; }

    public int ContextSize => (int)_context.ContextSize;

    /// <summary>Prompt chunks and tokens decoded so far: grows while the engine works.</summary>
    public long Progress => Interlocked.Read(ref _progress);

    /// <summary>Tokens currently held in the KV cache (for tests and stats).</summary>
    public int CachedTokenCount => _cache.Count;

    /// <summary>The tokens in the KV cache, in order (for tests).</summary>
    internal IReadOnlyList<LLamaToken> CachedTokens => _cache.Tokens;

    internal LLamaContext Context => _context;

    /// <summary>Parks every reused chunk before moving it (the slower path a typed character took before; for tests that compare the two).</summary>
    internal bool ParkReusedChunksAlways
    {
        set => _cache.ParkAlways = value;
    }

    /// <summary>Raised on the engine thread when it starts prefill, starts generating, or goes idle.</summary>
    public event Action<EnginePhase>? PhaseChanged;

    /// <summary>Raised on the engine thread before each prompt chunk is decoded.</summary>
    public event Action? PrefillChunkStarting
    {
        add => _cache.ChunkStarting += value;
        remove => _cache.ChunkStarting -= value;
    }

    /// <summary>Loads the model; throws <see cref="ModelLoadException"/> with a user-facing message on failure.</summary>
    public static LlamaEngine Load(EngineOptions options, ServerLog log)
    {
        var path = ModelFileCheck.Validate(options.ModelPath);
        NativeBackend.Configure(log, options.NativeLibDir);
        options = ContextSizeCheck.Resolve(path, options, log);
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

    public Task<IReadOnlyList<int>> CountTokensAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<int>>([.. texts.Select(CountTokens)]);

    /// <summary>No cache here: the scheduler in front of the engine keeps answers.</summary>
    public Task RememberAsync(CompletionRequest request, string text, CancellationToken cancellationToken) => Task.CompletedTask;

    public LLamaToken[] Tokenize(string text) =>
        text.Length == 0 ? [] : _context.Tokenize(_guard.Sanitize(text), addBos: false, special: false);

    /// <summary>The text of one token, control tokens included (for tools that show the exact prompt).</summary>
    public string TokenText(int token) => _weights.NativeHandle.Vocab.LLamaTokenToString((LLamaToken)token, isSpecialToken: true) ?? string.Empty;

    /// <summary>The prompt tokens a request would be decoded as (for tests and tools).</summary>
    /// <summary>The tokens the engine would decode for <paramref name="request"/>, BOS first when the model has one.</summary>
    public List<LLamaToken> BuildPrompt(CompletionRequest request) => _prompts.Build(request, ContextSize);

    /// <summary>The prompt without its BOS token, which carries no text (what <c>lspcopilot context</c> shows).</summary>
    public IReadOnlyList<int> BuildPromptText(CompletionRequest request) =>
        [.. new PromptBuilder(Tokenize, Fim, bos: null).Build(request, ContextSize).Select(t => (int)t)];

    public async Task<CompletionResult> CompleteAsync(CompletionRequest request, Action<string>? onText, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await _thread.RunAsync(() => Run(request, onText, cancellationToken), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Forgets the KV cache (the next request decodes its whole prompt). For benchmarks and recovery.</summary>
    public async Task ResetCacheAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _cache.Clear();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> alone on the engine's context with an empty KV cache (the baseline of
    /// benchmarks: a bare LLamaSharp loop on the very same context settings). The cache is empty after.
    /// </summary>
    public async Task<T> RunExclusiveAsync<T>(Func<LLamaContext, LLamaWeights, T> work, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _cache.Clear();
            return await _thread.RunAsync(() => work(_context, _weights), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _cache.Clear();
            _gate.Release();
        }
    }

    private CompletionResult Run(CompletionRequest request, Action<string>? onText, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var trace = request.Trace;
        trace?.Mark(LatencyTrace.Stages.EngineThread);
        var prompt = _prompts.Build(request, ContextSize);
        if (trace is not null)
        {
            trace.Mark(LatencyTrace.Stages.PromptBuilt);
            trace.Count(LatencyTrace.Counts.Prompt, prompt.Count);
            trace.Count(LatencyTrace.Counts.MinimumChanged, MinimumChanged(_lastPrompt, prompt));
        }

        _lastPrompt = prompt;
        try
        {
            PhaseChanged?.Invoke(EnginePhase.Prefill);
            var prefill = _cache.Prefill(prompt, ct, trace is null ? null : () => trace.Mark(LatencyTrace.Stages.ReusePlanned));
            trace?.Mark(LatencyTrace.Stages.Prefilled);
            trace?.Count(LatencyTrace.Counts.Reprefill, prefill.Decoded);
            PhaseChanged?.Invoke(EnginePhase.Generate);
            return Generate(request, prompt.Count, prefill, onText, clock, ct);
        }
        catch (OperationCanceledException)
        {
            throw;
        }
        catch
        {
            // A failed decode leaves the KV cache in an unknown state: start from scratch next time.
            _cache.Clear();
            throw;
        }
        finally
        {
            PhaseChanged?.Invoke(EnginePhase.Idle);
        }
    }

    private CompletionResult Generate(CompletionRequest request, int promptTokens, PrefillResult prefill, Action<string>? onText, Stopwatch clock, CancellationToken ct)
    {
        var generation = request.Generation;
        using var sampler = CreateSampler(generation);
        var decoder = new StreamingTokenDecoder(_context);
        var vocab = _weights.NativeHandle.Vocab;
        var text = new StringBuilder();
        var generated = 0;
        var ttft = TimeSpan.Zero;
        var reason = StopReason.TokenLimit;
        var logitsAt = prefill.LogitsIndex;

        while (generated < generation.MaxTokens)
        {
            ct.ThrowIfCancellationRequested();
            if (_cache.Count >= ContextSize)
            {
                reason = StopReason.ContextFull;
                break;
            }

            var next = sampler.Sample(_context.NativeHandle, logitsAt);
            if (generated == 0)
            {
                ttft = clock.Elapsed;
                request.Trace?.Mark(LatencyTrace.Stages.FirstToken);
            }

            generated++;
            Interlocked.Increment(ref _progress);
            if (next.IsEndOfGeneration(vocab) || IsFimControl(next))
            {
                reason = StopReason.EndOfGeneration;
                break;
            }

            sampler.Accept(next);
            decoder.Add(next);
            var piece = decoder.Read();
            var before = text.Length;
            text.Append(piece);

            if (request.Mode == CompletionMode.SingleLine && piece.Contains('\n', StringComparison.Ordinal))
            {
                var newline = text.ToString().IndexOf('\n', before);
                text.Length = newline > 0 && text[newline - 1] == '\r' ? newline - 1 : newline;
                reason = StopReason.EndOfLine;
                break;
            }

            if (request.Stopper is { } stopper && stopper.FindStop(text.ToString()) is int keep)
            {
                text.Length = keep;
                reason = StopReason.Stopper;
                break;
            }

            if (onText is not null)
            {
                request.Trace?.Mark(LatencyTrace.Stages.FirstText);
                onText(text.ToString());
                if (generated == 1 && _fillsEveryCore)
                {
                    // Pause a millisecond before decoding on: when llama.cpp's threads fill every core, the
                    // threads that pass the first text on to the editor wait for a core otherwise (measured on
                    // 2 cores with bench --suite keystroke: ~3 ms off the first $/progress in process, ~1.5 ms
                    // through the worker, for 1 ms more on the whole suggestion).
                    Thread.Sleep(1);
                }
            }

            _cache.Append(next);
            logitsAt = 0;
        }

        var final = text.ToString();
        if (reason is not (StopReason.TokenLimit or StopReason.ContextFull))
        {
            onText?.Invoke(final);
        }

        return new CompletionResult(final, reason, new CompletionStats(promptTokens, prefill.Reused, generated, ttft, clock.Elapsed) { Shifted = prefill.Shifted });
    }

    /// <summary>
    /// The least a prompt needs decoded after <paramref name="previous"/>: the tokens outside their common prefix
    /// and common suffix, plus the last token when it is in the common suffix (its logits choose the first
    /// new token). At least one.
    /// </summary>
    internal static int MinimumChanged(IReadOnlyList<LLamaToken>? previous, IReadOnlyList<LLamaToken> prompt)
    {
        if (previous is null)
        {
            return prompt.Count;
        }

        var limit = Math.Min(previous.Count, prompt.Count);
        var prefix = 0;
        while (prefix < limit && previous[prefix] == prompt[prefix])
        {
            prefix++;
        }

        var suffix = 0;
        while (suffix < limit - prefix && previous[previous.Count - 1 - suffix] == prompt[prompt.Count - 1 - suffix])
        {
            suffix++;
        }

        return Math.Max(1, prompt.Count - prefix - suffix + (suffix > 0 ? 1 : 0));
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
            _thread.Dispose();
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
