namespace LspCopilot.Completion;

/// <summary>How the model is loaded and run. One instance per loaded model; immutable.</summary>
public sealed record EngineOptions
{
    /// <summary>Path of the GGUF file; null when none was configured.</summary>
    public string? ModelPath { get; init; }

    /// <summary>
    /// A second GGUF for code actions (explain, refactor): an instruction-tuned or reasoning model beside the completion
    /// model, loaded the same way (its own worker). Null: code actions use the completion model.
    /// </summary>
    public string? ChatModelPath { get; init; }

    /// <summary>
    /// A small GGUF of the same family (the same vocabulary) that drafts tokens for the model to verify in one batch, e.g.
    /// Qwen2.5-Coder-0.5B for a 32B. Greedy output stays exactly the same; it only changes how fast it comes. Null: none.
    /// </summary>
    public string? DraftModelPath { get; init; }

    /// <summary>
    /// Speculative decoding of greedy completions: auto (prompt lookup, and the draft model when there is one, each switching
    /// itself off while its drafts do not pay), lookup, draft (the draft model only) or off.
    /// </summary>
    public string Speculation { get; init; } = "auto";

    /// <summary>
    /// Decode every generated token with one more row beside it (removed right after) and speculative steps without tile
    /// padding, so that a token's numbers never depend on how many rows its batch had: llama.cpp's CPU kernels compute one
    /// row differently from several (its batched matrix kernel, its tiled attention), and greedy choices between near-tied
    /// tokens flip. With it, greedy output is the same with speculation on or off, byte for byte; plain decoding costs
    /// more (measured here: +17 % on TinyStories-656K, +33 % on stories260K) and prompt lookup gains less.
    /// </summary>
    public bool BatchInvariant { get; init; }

    /// <summary>Generation threads; default: every core (LLamaSharp's default is half).</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>Prompt-processing threads; default: every core.</summary>
    public int BatchThreads { get; init; } = Environment.ProcessorCount;

    /// <summary>KV cache size in tokens; null = the model's training context, capped at <see cref="DefaultMaxContext"/>.</summary>
    public uint? ContextSize { get; init; }

    /// <summary>Layers offloaded to GPUs; -1 = all (only matters with a GPU backend).</summary>
    public int GpuLayers { get; init; } = -1;

    /// <summary>none, layer or row; layer (llama.cpp's default) spreads layers over every GPU and is the same as none on one.</summary>
    public string SplitMode { get; init; } = "layer";

    /// <summary>Proportion of the model per GPU, e.g. [2, 1] for a 16 GB + 8 GB pair.</summary>
    public IReadOnlyList<float>? TensorSplit { get; init; }

    public int MainGpu { get; init; }

    public bool? FlashAttention { get; init; }

    /// <summary>f16, q8_0 or q4_0.</summary>
    public string KvCacheType { get; init; } = "f16";

    public bool UseMlock { get; init; }

    public bool UseMmap { get; init; } = true;

    /// <summary>Folder holding a user's own llama.cpp build (e.g. CUDA), loaded before any native call.</summary>
    public string? NativeLibDir { get; init; }

    /// <summary>
    /// Which bundled CPU build of llama.cpp loads: auto (the fastest measured on this machine for this model),
    /// avx512, avx2, avx or noavx. <see cref="NativeLibDir"/> wins over it; GPU builds are never replaced.
    /// </summary>
    public string CpuVariant { get; init; } = "auto";

    /// <summary>
    /// The order of a FIM prompt: auto (the model family's own), psm (prefix, suffix, middle) or spm (suffix first:
    /// typing at the end of the prefix only appends to the KV cache, like llama-server's --spm-infill). Applies to
    /// models with both prefix and suffix tokens; use spm only with a model trained with it.
    /// </summary>
    public string FimOrder { get; init; } = "auto";

    /// <summary>
    /// How chats (code actions) are laid out: auto (the GGUF's <c>tokenizer.chat_template</c> as llama.cpp recognises
    /// it, else the family its architecture and vocabulary show, else plain), the name of one of llama.cpp's built-in
    /// templates (chatml, llama3, gemma, …) or plain (an instruction/response layout for models without one).
    /// </summary>
    public string ChatTemplate { get; init; } = "auto";

    /// <summary>Prompt tokens decoded per llama_decode call; cancellation is checked between chunks.</summary>
    public int PrefillChunk { get; init; } = 64;

    /// <summary>
    /// Smallest run of cached tokens worth shifting into place after an edit (llama-server's --cache-reuse);
    /// 0 turns chunk reuse off. Used only when the model's cache can shift.
    /// </summary>
    public int CacheReuseMinChunk { get; init; } = 64;

    /// <summary>Requests waiting for the engine beyond the running one; more get an empty answer at once.</summary>
    public int QueueLimit { get; init; } = 16;

    /// <summary>
    /// Milliseconds after its last request that another client of the same engine (a shared worker's, a TCP server's)
    /// still counts as typing: while one does, a lone request is decoded as a batch, so that client's next keystroke
    /// joins it at the next step instead of waiting for the whole suggestion. 0: only requests waiting at once are
    /// batched. A client alone always takes the single-request path.
    /// </summary>
    public int TeamWindowMs { get; init; } = 2000;

    /// <summary>Finished suggestions kept for repeats and typing-through (0 = no cache).</summary>
    public int ResultCacheSize { get; init; } = 250;

    /// <summary>
    /// Seconds a request may wait while the engine shows no progress (no prompt chunk decoded, no token, no
    /// message from its process) before it fails and a worker is restarted. Counted from the last sign of
    /// progress, not from the start, so a long cold prompt that keeps decoding never times out.
    /// </summary>
    public int StallTimeoutSeconds { get; init; } = 60;

    /// <summary>
    /// Which engine serves completions: llamasharp (the model above, in our worker or in process) or a model server
    /// (llama-server, openai, ollama). For a server, <see cref="ContextSize"/> is the context assumed when the server does
    /// not report one and <see cref="StallTimeoutSeconds"/> the longest it may stay silent.
    /// </summary>
    public BackendOptions Backend { get; init; } = new();

    public const uint DefaultMaxContext = 8192;
}

/// <summary>How one completion is sampled and bounded.</summary>
public sealed record GenerationOptions
{
    /// <summary>Most tokens generated per suggestion.</summary>
    public int MaxTokens { get; init; } = 128;

    /// <summary>0 = greedy (deterministic).</summary>
    public float Temperature { get; init; }

    /// <summary>Most prompt tokens taken from the text before the cursor.</summary>
    public int PrefixTokens { get; init; } = 1024;

    /// <summary>Most prompt tokens taken from the text after the cursor.</summary>
    public int SuffixTokens { get; init; } = 256;

    public uint Seed { get; init; } = 42;
}
