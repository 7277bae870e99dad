using System.Diagnostics;
using System.Text;
using LLama.Native;
using LLama.Sampling;
using LLama;
using LspCopilot.Completion;
using LspCopilot.Completion.Chat;
using LspCopilot.Engine.Batching;
using LspCopilot.Engine.Chat;
using LspCopilot.Engine.Models;
using LspCopilot.Engine.Speculation;

namespace LspCopilot.Engine;

/// <summary>
/// One long-lived llama.cpp model and context, for completions and chats. The <see cref="KvCache"/> remembers the
/// tokens in the KV cache, so each request decodes only what differs from the previous prompt; chats keep their
/// tokens in their own sequences (<see cref="ChatRunner"/>). Decoding is serialized on one thread: one completion
/// at a time, one chat at a time, and a waiting completion runs inside a chat between its chunks and tokens.
/// Cancellation is checked between prefill chunks and per generated token.
/// </summary>
public sealed class LlamaEngine : ICompletionEngine, IChatEngine, IProgressSource, IBatchingEngine, IClientMemory
{
    private readonly LLamaWeights _weights;
    private readonly LLamaContext _context;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly SemaphoreSlim _chatGate = new(1, 1);
    private readonly EngineThread.Lease _thread = EngineThread.Acquire();
    private readonly KvCache _cache;
    private readonly KvBudget _budget;
    private readonly ChatRunner _chat;
    private readonly CompletionRunner _completions;
    private readonly ClientSequences _clients;
    private readonly BatchRunner _batches;
    private readonly PromptBuilder _prompts;
    private readonly VocabularyGuard _guard;
    private readonly DraftModelDrafter? _draft;
    private readonly ServerLog _log;

    private bool _disposed;
    private long _progress;
    private long _generatedTokens;
    private long _completedRequests;

    private LlamaEngine(LLamaWeights weights, LLamaContext context, DraftModelDrafter? draft, EngineOptions options, ServerLog log)
    {
        _weights = weights;
        _context = context;
        _draft = draft;
        _log = log;
        Options = options;
        ModelName = Path.GetFileName(options.ModelPath) ?? "model";
        Fim = VocabularyFim.FromVocabulary(weights.NativeHandle.Vocab, weights.Metadata.GetValueOrDefault("general.architecture"), weights.Metadata.GetValueOrDefault("general.name"))
            .WithOrder(options.FimOrder);
        _cache = new KvCache(context, KvSequences.Completion, KvSequences.Parking, options.PrefillChunk, options.CacheReuseMinChunk) { BatchInvariant = options.BatchInvariant };
        var conversation = new KvCache(context, KvSequences.Conversation, null, options.PrefillChunk, 0) { BatchInvariant = options.BatchInvariant };
        var oneOff = new KvCache(context, KvSequences.OneOff, null, options.PrefillChunk, 0) { BatchInvariant = options.BatchInvariant };
        _budget = new KvBudget((int)context.ContextSize, _cache, conversation, oneOff, log);
        _budget.ForEachCache(cache => cache.ChunkStarting += () => Interlocked.Increment(ref _progress));
        _guard = VocabularyGuard.For(weights.NativeHandle, context.NativeHandle);
        if (!_guard.PassesEverything)
        {
            log.Info($"{ModelName}: its vocabulary cannot spell every character; those are replaced before tokenizing.");
        }

        var bos = weights.NativeHandle.Vocab.ShouldAddBOS ? weights.NativeHandle.Vocab.BOS : (LLamaToken?)null;
        _prompts = new PromptBuilder(Tokenize, Fim, bos);
        var verifyTile = options.BatchInvariant ? 0 : VerifyTile(options, NativeApi.llama_supports_gpu_offload());
        var fillsEveryCore = options.Threads >= Environment.ProcessorCount;
        _completions = new CompletionRunner(
            context,
            _cache,
            _prompts,
            Fim,
            fillsEveryCore,
            Speculators.For(options.Speculation, draft, verifyTile),
            verifyTile,
            () => (int)context.ContextSize - _budget.Used,
            phase => PhaseChanged?.Invoke(phase),
            () => Interlocked.Increment(ref _progress));
        _clients = new ClientSequences(context, KvSequences.ClientSlots, options.PrefillChunk);
        _budget.Clients = _clients;
        _batches = new BatchRunner(
            context,
            _cache,
            _clients,
            _budget,
            _prompts,
            Fim,
            options.PrefillChunk,
            () => Interlocked.Increment(ref _progress),
            result =>
            {
                Interlocked.Add(ref _generatedTokens, result.Stats.GeneratedTokens);
                Interlocked.Increment(ref _completedRequests);
            });
        var format = ChatFormats.Choose(
            options.ChatTemplate,
            weights.NativeHandle.GetTemplate(null, strict: false),
            weights.Metadata.GetValueOrDefault("general.architecture"),
            TokenizeSpecial,
            ModelName,
            log);
        _chat = new ChatRunner(
            context,
            format,
            _budget,
            conversation,
            oneOff,
            TokenizeSpecial,
            t => t.IsControl(weights.NativeHandle.Vocab) ? TokenText((int)t) : null,
            _guard.Sanitize,
            bos,
            options.PrefillChunk,
            verifyTile,
            fillsEveryCore,
            _thread.RunUrgent,
            () => Interlocked.Increment(ref _progress));
    }

    /// <summary>
    /// The rows of a verification batch that decode much faster than a few rows less: llama.cpp's CPU flash attention
    /// switches to its tiled kernel at 64 query rows (measured, 2 cores: TinyStories-656K at ~200 tokens of depth, 16 rows
    /// 2.5 ms, 63 rows 10.7 ms, 64 rows 1.6 ms; one token 0.3 ms). 0 where that does not hold: flash attention off, a
    /// quantized KV cache (the tiled kernel reads f16 or f32 only), or a GPU build asked to offload layers.
    /// </summary>
    internal static int VerifyTile(EngineOptions options, bool gpuBuild) =>
        options.FlashAttention == false || options.KvCacheType is not ("f16" or "f32") || (gpuBuild && options.GpuLayers != 0) ? 0 : 64;

    public string ModelName { get; }

    public FimLayout Fim { get; }

    /// <summary>How chats are laid out: "chat template (NAME)" or "plain".</summary>
    public string ChatLayout => _chat.Layout;

    /// <summary>What the chat has learnt of chunk and row costs (for tests); null where follow-ups are never rounded up to a chunk.</summary>
    internal Chat.RowCosts? ChatRowCosts => _chat.Costs;

    public EngineOptions Options { get; }

    public int ContextSize => (int)_context.ContextSize;

    /// <summary>Prompt chunks and tokens decoded so far: grows while the engine works.</summary>
    public long Progress => Interlocked.Read(ref _progress);

    /// <summary>Tokens generated by completions that finished (for power figures: joules per token).</summary>
    public long GeneratedTokens => Interlocked.Read(ref _generatedTokens);

    /// <summary>Completions that finished, cancelled ones not counted (for power figures: joules per completion).</summary>
    public long CompletedRequests => Interlocked.Read(ref _completedRequests);

    /// <summary>Tokens currently held in the KV cache (for tests and stats).</summary>
    public int CachedTokenCount => _cache.Count;

    /// <summary>The tokens in the KV cache, in order (for tests).</summary>
    internal IReadOnlyList<LLamaToken> CachedTokens => _cache.Tokens;

    /// <summary>Speculative verification steps decoded as a whole tile of rows (for tests).</summary>
    internal int TileVerifications => _completions.TileSteps;

    /// <summary>KV cells in use by every sequence (for tests).</summary>
    internal int UsedCells => _budget.Used;

    /// <summary>Completions handed to the engine thread and not started yet (for tests that line one up behind a chat's next token).</summary>
    internal int WaitingCompletions => _thread.PendingUrgent;

    internal LLamaContext Context => _context;

    /// <summary>Parks every reused chunk before moving it (the slower path a typed character took before; for tests that compare the two).</summary>
    internal bool ParkReusedChunksAlways
    {
        set => _cache.ParkAlways = value;
    }

    /// <summary>Raised on the engine thread after each decode of a batch of several clients' completions (for tests).</summary>
    internal event Action<BatchStep>? BatchStepped
    {
        add => _batches.Stepped += value;
        remove => _batches.Stepped -= value;
    }

    /// <summary>The tokens a client's own sequence holds (for tests); empty when it has none.</summary>
    internal int ClientSequenceCells => _clients.Held;

    /// <summary>Raised on the engine thread when it starts prefill, starts generating, or goes idle.</summary>
    public event Action<EnginePhase>? PhaseChanged;

    /// <summary>Raised on the engine thread before each prompt chunk is decoded (a completion's or a chat's).</summary>
    public event Action? PrefillChunkStarting
    {
        add => _budget.ForEachCache(cache => cache.ChunkStarting += value);
        remove => _budget.ForEachCache(cache => cache.ChunkStarting -= value);
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
            DraftModelDrafter? draft = null;
            if (options.DraftModelPath is { } draftPath && options.Speculation is "auto" or "draft")
            {
                try
                {
                    draft = DraftModelDrafter.Load(Path.GetFullPath(draftPath), options, weights, context.ContextSize);
                }
                catch
                {
                    context.Dispose();
                    weights.Dispose();
                    throw;
                }

                log.Info($"Draft model {Path.GetFileName(draftPath)} loaded: it drafts for greedy completions while its drafts pay.");
            }

            return new LlamaEngine(weights, context, draft, options with { ModelPath = path }, log);
        }
        catch (Exception ex) when (ex is not ModelLoadException)
        {
            throw new ModelLoadException(
                $"Could not load the model '{path}': {ex.Message}. Check that it is a complete GGUF file that this llama.cpp build supports (re-download it if unsure).",
                ex);
        }
    }

    /// <summary>
    /// Tokens of a text as the prompt holds it: for a model with repository-level tokens the file separators count as the
    /// one control token each that the context's are (see <see cref="TokenizeContext"/>), so context fitted by these counts
    /// is exactly what the prompt holds.
    /// </summary>
    public int CountTokens(string text) => TokenizeContext(text).Length;

    public Task<IReadOnlyList<int>> CountTokensAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<int>>([.. texts.Select(CountTokens)]);

    /// <summary>No cache here: the scheduler in front of the engine keeps answers.</summary>
    public Task RememberAsync(CompletionRequest request, string text, CancellationToken cancellationToken) => Task.CompletedTask;

    public LLamaToken[] Tokenize(string text) =>
        text.Length == 0 ? [] : _context.Tokenize(_guard.Sanitize(text), addBos: false, special: false);

    /// <summary>Tokenizes retrieved context: with repository-level tokens (<see cref="FimLayout.Repo"/>) the marker texts become their control tokens, and nothing else does.</summary>
    public LLamaToken[] TokenizeContext(string text) =>
        Fim.Repo is { } repo ? [.. repo.Tokenize(text, Tokenize, id => (LLamaToken)id)] : Tokenize(text);

    /// <summary>Tokenizes a chat prompt: control tokens written in the text (the template's turn markers) become those tokens.</summary>
    private LLamaToken[] TokenizeSpecial(string text) =>
        text.Length == 0 ? [] : _context.Tokenize(text, addBos: false, special: true);

    /// <summary>The text of one token, control tokens included (for tools that show the exact prompt).</summary>
    public string TokenText(int token) => _weights.NativeHandle.Vocab.LLamaTokenToString((LLamaToken)token, isSpecialToken: true) ?? string.Empty;

    /// <summary>The tokens the engine would decode for <paramref name="request"/>, BOS first when the model has one.</summary>
    public List<LLamaToken> BuildPrompt(CompletionRequest request) => _prompts.Build(request, ContextSize);

    /// <summary>The prompt without its BOS token, which carries no text (what <c>lspcopilot context</c> shows).</summary>
    /// <param name="contextSize">The context to fit the prompt to; null: this engine's.</param>
    public IReadOnlyList<int> BuildPromptText(CompletionRequest request, int? contextSize = null) =>
        [.. new PromptBuilder(Tokenize, Fim, bos: null).Build(request, contextSize ?? ContextSize).Select(t => (int)t)];

    /// <summary>The context, prefix and suffix tokens of the prompt <see cref="BuildPromptText"/> frames with the FIM markers.</summary>
    /// <param name="contextSize">The context to fit the prompt to; null: this engine's.</param>
    public PromptParts BuildPromptParts(CompletionRequest request, int? contextSize = null)
    {
        var (context, prefix, suffix, contextText) = new PromptBuilder(Tokenize, Fim, bos: null).Parts(request, contextSize ?? ContextSize);
        return new PromptParts([.. context.Select(t => (int)t)], [.. prefix.Select(t => (int)t)], [.. suffix.Select(t => (int)t)], contextText);
    }

    /// <summary>The tokens a first turn of <paramref name="messages"/> decodes, BOS first when the model has one (for tests and tools).</summary>
    public IReadOnlyList<int> BuildChatPrompt(IReadOnlyList<ChatMessage> messages) => [.. _chat.BuildPrompt(messages).Select(t => (int)t)];

    /// <summary>Runs urgently: a chat running on the engine thread lets it in at its next chunk or token.</summary>
    public async Task<CompletionResult> CompleteAsync(CompletionRequest request, Action<string>? onText, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var result = await _thread.RunAsync(
                () =>
                {
                    // The completion sequence holds this client's tokens (they wait in its own sequence while others are served).
                    _clients.Enter(_cache, request.ClientId);
                    return _completions.Run(request, onText, cancellationToken);
                },
                cancellationToken,
                urgent: true).ConfigureAwait(false);
            Interlocked.Add(ref _generatedTokens, result.Stats.GeneratedTokens);
            Interlocked.Increment(ref _completedRequests);
            return result;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Decodes several clients' completions together on the engine thread (a chat lets the batch in between its chunks and tokens).</summary>
    async Task IBatchingEngine.RunBatchAsync(Func<IReadOnlyCollection<string>, BatchedRequest?> admit, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _thread.RunAsync(() => { _batches.Run(admit); return true; }, cancellationToken, urgent: true).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<ChatResult> ChatAsync(ChatRequest request, Action<string>? onText, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _chatGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await _thread.RunAsync(() => _chat.Run(request, onText, cancellationToken), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _chatGate.Release();
        }
    }

    /// <summary>Waits for a running chat, then forgets the conversation's tokens if it is the one kept.</summary>
    public async Task EndConversationAsync(string conversationId, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _chatGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _thread.RunAsync(() => { _chat.End(conversationId); return true; }, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _chatGate.Release();
        }
    }

    /// <summary>Waits for the running completion or batch, then empties the sequences of the clients that went away.</summary>
    public async Task ForgetClientsAsync(string clientIdPrefix, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var freed = await _thread.RunAsync(() => _clients.ForgetOwnedBy(clientIdPrefix, _cache), cancellationToken).ConfigureAwait(false);
            if (freed > 0)
            {
                _log.Debug($"Clients {clientIdPrefix}* went away: {freed} cells of theirs freed.");
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Forgets the KV cache, conversations included (the next request decodes its whole prompt). For benchmarks and recovery.</summary>
    public async Task ResetCacheAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _chatGate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                ClearMemory();
            }
            finally
            {
                _chatGate.Release();
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> alone on the engine's context in the one-off chats' sequence (the third argument),
    /// leaving what the other sequences hold — a completion's cached prompt, a kept conversation — where it is: the
    /// baseline of benchmarks that compare a decode loop with ours under the same cache occupancy (llama.cpp's
    /// attention covers every cell in use, whichever sequence holds it). That sequence is empty after.
    /// </summary>
    public async Task<T> RunBesideCachedAsync<T>(Func<LLamaContext, LLamaWeights, LLamaSeqId, T> work, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        await _chatGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await _thread.RunAsync(
                () =>
                {
                    try
                    {
                        return work(_context, _weights, KvSequences.OneOff);
                    }
                    finally
                    {
                        _context.NativeHandle.MemorySequenceRemove(KvSequences.OneOff, -1, -1);
                    }
                },
                cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _chatGate.Release();
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
        await _chatGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ClearMemory();
            return await _thread.RunAsync(() => work(_context, _weights), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ClearMemory();
            _chatGate.Release();
            _gate.Release();
        }
    }

    /// <summary>Empties every sequence (only with both gates held: nothing runs on the engine thread).</summary>
    private void ClearMemory()
    {
        _context.NativeHandle.MemoryClear(true);
        _cache.Forget();
        _clients.Forget();
        _budget.ForgetChats();
        _chat.Forget();
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _gate.Wait();
        _chatGate.Wait();
        try
        {
            _thread.Dispose();
            _draft?.Dispose();
            _context.Dispose();
            _weights.Dispose();
        }
        finally
        {
            _chatGate.Release();
            _chatGate.Dispose();
            _gate.Release();
            _gate.Dispose();
        }
    }
}
