using LLama.Native;
using LLama;

namespace LspCopilot.Engine;

/// <summary>What a prefill kept in place (common prefix), moved into place (shifted chunks) and decoded.</summary>
public readonly record struct PrefillResult(int Reused, int Shifted, int Decoded, int LogitsIndex);

/// <summary>
/// The tokens held in one sequence of the KV cache, kept in step with llama.cpp's memory. A new prompt
/// keeps the longest common prefix; where the cache can shift, later chunks that still match (the text
/// after an edit, the FIM suffix after a typed character) are moved to their new positions instead of
/// decoded again (llama-server's --cache-reuse, extended to insertions). Only the rest is decoded, in
/// chunks, checking cancellation between them.
/// </summary>
internal sealed class KvCache(LLamaContext context, int chunkSize, int reuseMinChunk)
{
    private static readonly LLamaSeqId s_seq = LLamaSeqId.Zero;
    private static readonly LLamaSeqId s_side = (LLamaSeqId)1;
    private readonly List<LLamaToken> _tokens = [];
    private readonly LLamaBatch _batch = new();

    public int Count => _tokens.Count;

    /// <summary>Parks every reused chunk before moving it into place, even a single one (the slower path, for tests that compare the two).</summary>
    internal bool ParkAlways { get; set; }

    public IReadOnlyList<LLamaToken> Tokens => _tokens;

    /// <summary>Raised before each prompt chunk is decoded (for cancellation measurements).</summary>
    public event Action? ChunkStarting;

    /// <summary>Makes the cache hold <paramref name="prompt"/>; <paramref name="planned"/> runs once the reuse is planned, before anything is decoded.</summary>
    public PrefillResult Prefill(IReadOnlyList<LLamaToken> prompt, CancellationToken ct, Action? planned = null)
    {
        var common = CommonPrefix(prompt);

        // The last prompt token is always decoded again: its logits choose the first new token.
        if (common == prompt.Count)
        {
            common--;
        }

        var handle = context.NativeHandle;
        var moves = reuseMinChunk > 0 && handle.MemoryCanShift && handle.MaxSeq > 1
            ? ChunkReusePlanner.Plan(_tokens, prompt, common, reuseMinChunk)
            : [];
        planned?.Invoke();

        // Reused chunks wait in a side sequence while the text before them is decoded (llama.cpp only
        // accepts positions that follow the sequence's last one). One chunk (a typed character: the text
        // after it) waits where it is and is shifted once, when it moves into place: every shift costs a
        // RoPE pass over the whole KV cache at the next decode. Several chunks are parked far above any
        // position in use first, so that moving one into place can never overlap another.
        var parking = moves.Count > 1 || ParkAlways ? Math.Max(_tokens.Count, prompt.Count) : 0;
        foreach (var move in moves)
        {
            handle.MemorySequenceCopy(s_seq, s_side, move.CacheStart, move.CacheStart + move.Length);
        }

        handle.MemorySequenceRemove(s_seq, common, -1);
        if (parking > 0)
        {
            foreach (var move in moves)
            {
                handle.MemorySequenceAdd(s_side, move.CacheStart, move.CacheStart + move.Length, parking);
            }
        }

        _tokens.RemoveRange(common, _tokens.Count - common);
        var decoded = 0;
        var logitsIndex = 0;
        try
        {
            foreach (var move in moves)
            {
                decoded += DecodeRange(prompt, _tokens.Count, move.PromptStart, ct, ref logitsIndex);
                var parked = move.CacheStart + parking;
                handle.MemorySequenceAdd(s_side, parked, parked + move.Length, move.PromptStart - parked);
                handle.MemorySequenceCopy(s_side, s_seq, move.PromptStart, move.PromptStart + move.Length);
                handle.MemorySequenceRemove(s_side, move.PromptStart, move.PromptStart + move.Length);
                for (var i = 0; i < move.Length; i++)
                {
                    _tokens.Add(prompt[move.PromptStart + i]);
                }
            }

            decoded += DecodeRange(prompt, _tokens.Count, prompt.Count, ct, ref logitsIndex);
        }
        finally
        {
            if (moves.Count > 0)
            {
                handle.MemorySequenceRemove(s_side, -1, -1);
            }
        }

        return new PrefillResult(common, moves.Sum(m => m.Length), decoded, logitsIndex);
    }

    /// <summary>Decodes prompt[from..to) at their positions, in chunks, keeping the token list in step.</summary>
    private int DecodeRange(IReadOnlyList<LLamaToken> prompt, int from, int to, CancellationToken ct, ref int logitsIndex)
    {
        var step = Math.Max(1, chunkSize);
        for (var start = from; start < to; start += step)
        {
            ct.ThrowIfCancellationRequested();
            ChunkStarting?.Invoke();
            var count = Math.Min(step, to - start);
            _batch.Clear();
            for (var i = 0; i < count; i++)
            {
                _batch.Add(prompt[start + i], start + i, s_seq, start + i == prompt.Count - 1);
            }

            Decode();
            for (var i = 0; i < count; i++)
            {
                _tokens.Add(prompt[start + i]);
            }

            logitsIndex = count - 1;
        }

        return Math.Max(0, to - from);
    }

    /// <summary>Decodes one generated token after the cached ones; its logits are at index 0.</summary>
    public void Append(LLamaToken token)
    {
        _batch.Clear();
        _batch.Add(token, _tokens.Count, s_seq, true);
        Decode();
        _tokens.Add(token);
    }

    public void Clear()
    {
        context.NativeHandle.MemoryClear(true);
        _tokens.Clear();
    }

    private int CommonPrefix(IReadOnlyList<LLamaToken> prompt)
    {
        var common = 0;
        var limit = Math.Min(_tokens.Count, prompt.Count);
        while (common < limit && _tokens[common] == prompt[common])
        {
            common++;
        }

        return common;
    }

    private void Decode()
    {
        var result = context.Decode(_batch);
        if (result != DecodeResult.Ok)
        {
            throw new InvalidOperationException($"llama_decode failed: {result}");
        }
    }
}
