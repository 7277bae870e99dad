using System.CommandLine.Parsing;
using System.CommandLine;
using LspCopilot.Completion;
using LspCopilot.Engine.Models;
using LspCopilot.Server.Configuration;

namespace LspCopilot.Server.Cli;

/// <summary>The options every command that loads a model accepts, and their mapping to <see cref="EngineOptions"/>.</summary>
public sealed class EngineCliOptions
{
    public EngineCliOptions()
    {
        GpuLayers.Validators.Add(r => Check(r, EngineOptionValues.TryParseGpuLayers(r.GetValueOrDefault<string>(), out _, out var e), e));
        TensorSplit.Validators.Add(r => Check(r, EngineOptionValues.TryParseTensorSplit(r.GetValueOrDefault<string>(), out _, out var e), e));
        Threads.Validators.Add(r => Check(r, r.GetValueOrDefault<int?>() is null or >= 1, "--threads must be at least 1."));
        NativeLibDir.Validators.Add(r => Check(r, r.GetValueOrDefault<string>() is not { } dir || Directory.Exists(dir), $"--native-lib-dir '{r.GetValueOrDefault<string>()}' is not a folder: point it at the folder holding your llama.cpp build's libllama."));
        SplitMode.AcceptOnlyFromAmong([.. EngineOptionValues.SplitModes]);
        KvCacheType.AcceptOnlyFromAmong([.. KvCacheTypes.Names]);
        CpuVariant.AcceptOnlyFromAmong([.. EngineOptionValues.CpuVariantNames]);
        FimOrder.AcceptOnlyFromAmong([.. EngineOptionValues.FimOrderNames]);
        ChatTemplate.Validators.Add(r => Check(r, EngineOptionValues.TryNormalizeChatTemplate(r.GetValueOrDefault<string>(), out _, out var e), e));
        Preset.AcceptOnlyFromAmong([.. EnginePresets.Names]);
        Speculation.AcceptOnlyFromAmong([.. EngineOptionValues.SpeculationNames]);
    }

    public Option<string?> Model { get; } = new("--model", "-m")
    {
        Description = "GGUF model file (else initializationOptions.modelPath, else $LSPCOPILOT_MODEL).",
    };

    public Option<string?> ChatModel { get; } = new("--chat-model")
    {
        Description = "A second GGUF for code actions (explain, refactor), e.g. an instruction-tuned or reasoning model; loaded like --model, in its own worker (else initializationOptions.chatModel; default: code actions use --model).",
        HelpName = "PATH",
    };

    public Option<string?> DraftModel { get; } = new("--draft-model")
    {
        Description = "A small GGUF of the same family (identical vocabulary) that drafts tokens for --model to verify in one batch, e.g. Qwen2.5-Coder-0.5B for a 32B; greedy output stays the same, it only comes faster (on a GPU). Loaded beside --model, with its settings.",
        HelpName = "PATH",
    };

    public Option<string?> Speculation { get; } = new("--speculation")
    {
        Description = "Speculative decoding of greedy completions: auto (default: prompt lookup, and --draft-model when given, each off while it does not pay), lookup, draft or off.",
    };

    public Option<bool> BatchInvariant { get; } = new("--batch-invariant")
    {
        Description = "Make greedy output independent of batch shapes (speculation on or off gives the same text, byte for byte) at some decode speed: every token decodes with one more row beside it, verification without tile padding.",
    };

    public Option<int?> Threads { get; } = new("--threads", "-t")
    {
        Description = "CPU threads for generation and prompt processing (default: all cores).",
    };

    public Option<uint?> ContextSize { get; } = new("--context-size", "-c")
    {
        Description = "KV cache size in tokens (default: the model's, at most 8192).",
    };

    public Option<int?> StallTimeout { get; } = new("--stall-timeout")
    {
        Description = "Seconds a request may wait while the model shows no progress (no prompt chunk, no token) before it fails and the worker is restarted (default 60).",
        HelpName = "SECONDS",
    };

    public Option<int?> PrefillChunk { get; } = new("--prefill-chunk")
    {
        Description = "Prompt tokens per decode call; cancellation is checked between chunks (default 64; at most 512, the batch llama.cpp is set up for).",
    };

    public Option<string?> GpuLayers { get; } = new("--gpu-layers", "-ngl")
    {
        Description = "Layers to offload to GPUs: a number (0 = CPU only) or 'all' (default: all, when a GPU backend is loaded).",
    };

    public Option<string?> SplitMode { get; } = new("--split-mode")
    {
        Description = "How several GPUs share the model: none (main GPU only), layer (whole layers per GPU) or row.",
    };

    public Option<string?> TensorSplit { get; } = new("--tensor-split")
    {
        Description = "Share of the model per GPU, e.g. 2,1 for a 16 GB card then an 8 GB card (default: by free memory).",
    };

    public Option<int?> MainGpu { get; } = new("--main-gpu")
    {
        Description = "GPU for the whole model with --split-mode none, or for intermediate results with row (default 0).",
    };

    public Option<bool?> FlashAttention { get; } = new("--flash-attention", "-fa")
    {
        Description = "Use flash attention (true/false; default: llama.cpp decides). Needed by q8_0/q4_0 KV caches.",
    };

    public Option<string?> KvCacheType { get; } = new("--kv-cache-type")
    {
        Description = "KV cache element type: f16 (default), q8_0 (half the memory) or q4_0.",
    };

    public Option<bool> Mlock { get; } = new("--mlock")
    {
        Description = "Lock the model in RAM so the OS never swaps it out.",
    };

    public Option<bool> NoMmap { get; } = new("--no-mmap")
    {
        Description = "Read the model into memory instead of mapping the file.",
    };

    public Option<string?> NativeLibDir { get; } = new("--native-lib-dir")
    {
        Description = "Folder with your own llama.cpp build (libllama + libmtmd, e.g. CUDA), loaded instead of the bundled CPU library.",
    };

    public Option<string?> CpuVariant { get; } = new("--cpu-variant")
    {
        Description = "Bundled CPU build of llama.cpp: auto (default: the fastest measured on this machine for the model, measured once and cached), avx512, avx2, avx or noavx. --native-lib-dir wins; GPU builds are never replaced.",
    };

    public Option<string?> FimOrder { get; } = new("--fim-order")
    {
        Description = "Order of the FIM prompt: auto (default: the model's own), psm or spm. spm (suffix first) makes typing at the end of the prefix append-only in the KV cache (faster per keystroke); use it only with a model trained with it (model info says which are).",
    };

    public Option<string?> ChatTemplate { get; } = new("--chat-template")
    {
        Description = "Layout of chats (code actions): auto (default: the model's tokenizer.chat_template as llama.cpp recognises it, else the family its architecture shows, else plain), a llama.cpp template name (chatml, llama3, gemma, phi3, mistral-v7, ...) or plain.",
        HelpName = "NAME",
    };

    public Option<string?> Preset { get; } = new("--preset")
    {
        Description = $"A hardware layout to start from: {string.Join(", ", EnginePresets.Names)} (16 GB + 8 GB GPUs, layers split 2:1, q8_0 KV). Explicit options win.",
    };

    public void AddTo(Command command)
    {
        Option[] all = [Model, ChatModel, DraftModel, Speculation, BatchInvariant, Threads, ContextSize, PrefillChunk, StallTimeout, GpuLayers, SplitMode, TensorSplit, MainGpu, FlashAttention, KvCacheType, Mlock, NoMmap, NativeLibDir, CpuVariant, FimOrder, ChatTemplate, Preset];
        foreach (var option in all)
        {
            command.Options.Add(option);
        }

        command.Validators.Add(result =>
        {
            try
            {
                foreach (var problem in EngineOptionValues.Check(Read(result.GetResult, new EngineOptions())))
                {
                    result.AddError(problem);
                }
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
            {
                // A single option's own validator already reports it.
            }
        });
    }

    /// <summary>Reads the options; the model path falls back to $LSPCOPILOT_MODEL only when <paramref name="useEnvironment"/>.</summary>
    public EngineOptions Read(ParseResult result, bool useEnvironment)
    {
        var options = Overlay(result, new EngineOptions());
        return useEnvironment ? options with { ModelPath = OptionPrecedence.ModelPath(options.ModelPath, cache: false) } : options;
    }

    /// <summary>
    /// The options given on the command line laid over <paramref name="baseOptions"/> (e.g. what the
    /// editor sent in initializationOptions): a --preset first, then every option given explicitly.
    /// Options not on the command line keep the base's values.
    /// </summary>
    public EngineOptions Overlay(ParseResult result, EngineOptions baseOptions) => Read(o => result.GetResult(o), baseOptions);

    private EngineOptions Read(Func<Option, OptionResult?> find, EngineOptions baseOptions)
    {
        T? Value<T>(Option<T> option) => find(option) is { } r ? r.GetValueOrDefault<T>() : default;
        bool Given(Option option) => find(option) is { Implicit: false };

        var options = baseOptions;
        if (Value(Model) is { } model)
        {
            options = options with { ModelPath = model };
        }

        if (Value(ChatModel) is { } chatModel)
        {
            options = options with { ChatModelPath = chatModel };
        }

        if (Value(DraftModel) is { } draftModel)
        {
            options = options with { DraftModelPath = draftModel };
        }

        if (Value(Speculation) is { } speculation)
        {
            options = options with { Speculation = EngineOptionValues.TryNormalizeSpeculation(speculation, out var normalized, out var error) ? normalized : throw new ArgumentException(error) };
        }

        if (Value(NativeLibDir) is { } nativeLibDir)
        {
            options = options with { NativeLibDir = nativeLibDir };
        }

        if (Value(CpuVariant) is { } cpuVariant)
        {
            options = options with { CpuVariant = EngineOptionValues.TryNormalizeCpuVariant(cpuVariant, out var normalized, out var error) ? normalized : throw new ArgumentException(error) };
        }

        if (Value(FimOrder) is { } fimOrder)
        {
            options = options with { FimOrder = EngineOptionValues.TryNormalizeFimOrder(fimOrder, out var normalized, out var error) ? normalized : throw new ArgumentException(error) };
        }

        if (Value(ChatTemplate) is { } chatTemplate)
        {
            options = options with { ChatTemplate = EngineOptionValues.TryNormalizeChatTemplate(chatTemplate, out var normalized, out var error) ? normalized : throw new ArgumentException(error) };
        }

        // The preset first, so that any option given explicitly overrides it.
        if (Value(Preset) is { } preset)
        {
            options = EnginePresets.Apply(preset, options);
        }

        if (Value(ContextSize) is uint context)
        {
            options = options with { ContextSize = context };
        }

        if (Value(Threads) is int threads)
        {
            if (threads < 1)
            {
                throw new ArgumentException("--threads must be at least 1.");
            }

            options = options with { Threads = threads, BatchThreads = threads };
        }

        if (Value(StallTimeout) is int stall)
        {
            options = options with { StallTimeoutSeconds = stall >= 1 ? stall : throw new ArgumentException("--stall-timeout must be at least 1 second.") };
        }

        if (Value(PrefillChunk) is int chunk)
        {
            options = options with { PrefillChunk = Math.Max(1, chunk) };
        }

        if (Value(GpuLayers) is { } layersText)
        {
            options = options with { GpuLayers = EngineOptionValues.TryParseGpuLayers(layersText, out var layers, out var error) ? layers : throw new ArgumentException(error) };
        }

        if (Value(SplitMode) is { } mode)
        {
            options = options with { SplitMode = EngineOptionValues.TryNormalizeSplitMode(mode, out var normalized, out var error) ? normalized : throw new ArgumentException(error) };
        }

        if (Value(TensorSplit) is { } splitText)
        {
            options = options with { TensorSplit = EngineOptionValues.TryParseTensorSplit(splitText, out var split, out var error) ? split : throw new ArgumentException(error) };
        }

        if (Value(MainGpu) is int mainGpu)
        {
            options = options with { MainGpu = mainGpu };
        }

        if (Given(FlashAttention))
        {
            options = options with { FlashAttention = Value(FlashAttention) ?? true };
        }

        if (Value(KvCacheType) is { } kv)
        {
            options = options with { KvCacheType = EngineOptionValues.TryNormalizeKvCacheType(kv, out var normalized, out var error) ? normalized : throw new ArgumentException(error) };
        }

        if (Value(BatchInvariant))
        {
            options = options with { BatchInvariant = true };
        }

        if (Value(Mlock))
        {
            options = options with { UseMlock = true };
        }

        if (Value(NoMmap))
        {
            options = options with { UseMmap = false };
        }

        return options;
    }

    private static void Check(OptionResult result, bool ok, string? error)
    {
        if (!ok)
        {
            result.AddError(error ?? $"Invalid value for {result.Option.Name}.");
        }
    }
}
