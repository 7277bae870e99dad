using LLama;
using LLama.Native;
using LLama.Sampling;
using LspCopilot.Completion;

namespace LspCopilot.Engine.Speculation;

/// <summary>
/// A small model of the same family guesses the next tokens greedily (<c>--draft-model</c>). It has its own context, used
/// on the target's engine thread, and its own <see cref="KvCache"/> kept in step with the target's accepted tokens: each
/// step keeps their common prefix, drops the rejected guesses and decodes only what is new.
/// </summary>
internal sealed class DraftModelDrafter : IDraftSource, IDisposable
{
    private readonly LLamaWeights _weights;
    private readonly LLamaContext _context;
    private readonly KvCache _cache;
    private readonly GreedySamplingPipeline _sampler = new();
    private readonly List<LLamaToken> _sequence = [];

    private DraftModelDrafter(LLamaWeights weights, LLamaContext context, int prefillChunk)
    {
        _weights = weights;
        _context = context;
        _cache = new KvCache(context, (LLamaSeqId)0, null, prefillChunk, 0);
    }

    public string Name => "draft model";

    /// <summary>Tokens the draft's KV cache holds (for tests).</summary>
    internal IReadOnlyList<LLamaToken> CachedTokens => _cache.Tokens;

    /// <summary>
    /// Loads the draft model with the target's settings and a context as large as the target's; refuses (with what to do)
    /// a model whose vocabulary differs from <paramref name="target"/>'s.
    /// </summary>
    public static DraftModelDrafter Load(string path, EngineOptions options, LLamaWeights target, uint contextSize)
    {
        if (!File.Exists(path))
        {
            throw new ModelLoadException($"The draft model '{path}' does not exist. Fix --draft-model, or leave it out (prompt lookup still speeds up repetitive code).");
        }

        LLamaWeights? weights = null;
        try
        {
            var parameters = ModelParamsFactory.Create(path, options) with { ContextSize = contextSize, SeqMax = 1, KVUnified = false };
            weights = LLamaWeights.LoadFromFile(parameters);
            if (VocabularyMatch.Difference(target.NativeHandle.Vocab, weights.NativeHandle.Vocab) is { } difference)
            {
                throw new ModelLoadException(
                    $"The draft model '{Path.GetFileName(path)}' cannot draft for this model: its vocabulary differs ({difference}). " +
                    "Use a smaller model of the same family (e.g. Qwen2.5-Coder-0.5B for Qwen2.5-Coder-32B), or leave --draft-model out.");
            }

            return new DraftModelDrafter(weights, weights.CreateContext(parameters), options.PrefillChunk);
        }
        catch (Exception ex) when (ex is not ModelLoadException)
        {
            weights?.Dispose();
            throw new ModelLoadException($"Could not load the draft model '{path}': {ex.Message}. Check --draft-model, or leave it out.", ex);
        }
        catch
        {
            weights?.Dispose();
            throw;
        }
    }

    public void Propose(IReadOnlyList<LLamaToken> history, LLamaToken next, int max, List<LLamaToken> drafts, CancellationToken ct)
    {
        _sequence.Clear();
        _sequence.AddRange(history);
        _sequence.Add(next);
        var logitsAt = _cache.Prefill(_sequence, ct).LogitsIndex;
        var vocab = _weights.NativeHandle.Vocab;
        while (true)
        {
            var token = _sampler.Sample(_context.NativeHandle, logitsAt);
            drafts.Add(token);
            if (drafts.Count >= max || token.IsEndOfGeneration(vocab) || token.IsControl(vocab))
            {
                return;
            }

            _cache.Append(token);
            logitsAt = 0;
        }
    }

    public void Reset() => _cache.Clear();

    public void Dispose()
    {
        _sampler.Dispose();
        _context.Dispose();
        _weights.Dispose();
    }
}
