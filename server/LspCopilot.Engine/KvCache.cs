using LLama.Native;
using LLama;

namespace LspCopilot.Engine;

/// <summary>What a prefill kept in place (common prefix), moved into place (shifted chunks) and decoded.</summary>
public readonly record struct PrefillResult(int Reused, int Shifted, int Decoded, int LogitsIndex);

/// <summary>
/// The tokens held in one sequence of the KV cache, kept in step with llama.cpp's memory. A new prompt
/// keeps the longest common prefix; where the cache can shift and a side sequence is given, later chunks
/// that still match (the text after an edit, the FIM suffix after a typed character) are moved to their
/// new positions instead of decoded again (llama-server's --cache-reuse, extended to insertions). Only the
/// rest is decoded, in chunks, checking cancellation between them.
/// </summary>
internal sealed class KvCache(LLamaContext context, LLamaSeqId seq, LLamaSeqId? side, int chunkSize, int reuseMinChunk)
{
    private readonly List<LLamaToken> _tokens = [];
    private readonly LLamaBatch _batch = new();

    // LLamaSharp pins every row a batch has room for on each decode, so a batch grown to a prompt chunk costs a few
    // hundred microseconds per call: generated tokens (and drafts) go through a batch that never grows past its start.
    private readonly LLamaBatch _step = new();

    // Verification steps padded to a whole tile of rows (see AppendVerified) have a batch of their own, for the same reason.
    private readonly LLamaBatch _tile = new();
    private int _parked;

    public int Count => _tokens.Count;

    /// <summary>
    /// Every generated token decodes with a second row beside it (a copy at the next position, with logits, removed right
    /// after): llama.cpp computes a batch of one row with other kernels than one of several (its matrix multiply, the
    /// output layer), so a token's numbers would otherwise depend on whether it came alone or in a verification step.
    /// </summary>
    public bool BatchInvariant { get; init; }

    /// <summary>Cells this cache holds: its tokens, and during a prefill the reused chunks waiting to move into place.</summary>
    public int Held => _tokens.Count + _parked;

    /// <summary>Parks every reused chunk before moving it into place, even a single one (the slower path, for tests that compare the two).</summary>
    internal bool ParkAlways { get; set; }

    public IReadOnlyList<LLamaToken> Tokens => _tokens;

    /// <summary>Raised before each prompt chunk is decoded (for cancellation measurements).</summary>
    public event Action? ChunkStarting;

    /// <summary>
    /// Called before each decode with the number of new tokens, so that the owner of several sequences in one
    /// context can free KV cells for them (the sequences share the context's cells).
    /// </summary>
    public Action<int>? NeedCells { get; set; }

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
        var parkedIn = side ?? seq;
        var moves = side is not null && reuseMinChunk > 0 && handle.MemoryCanShift && handle.MaxSeq > (uint)(int)parkedIn
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
            handle.MemorySequenceCopy(seq, parkedIn, move.CacheStart, move.CacheStart + move.Length);
        }

        handle.MemorySequenceRemove(seq, common, -1);
        _parked = moves.Sum(m => m.Length);
        if (parking > 0)
        {
            foreach (var move in moves)
            {
                handle.MemorySequenceAdd(parkedIn, move.CacheStart, move.CacheStart + move.Length, parking);
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
                handle.MemorySequenceAdd(parkedIn, parked, parked + move.Length, move.PromptStart - parked);
                handle.MemorySequenceCopy(parkedIn, seq, move.PromptStart, move.PromptStart + move.Length);
                handle.MemorySequenceRemove(parkedIn, move.PromptStart, move.PromptStart + move.Length);
                for (var i = 0; i < move.Length; i++)
                {
                    _tokens.Add(prompt[move.PromptStart + i]);
                }

                _parked -= move.Length;
            }

            decoded += DecodeRange(prompt, _tokens.Count, prompt.Count, ct, ref logitsIndex);
        }
        finally
        {
            if (moves.Count > 0)
            {
                handle.MemorySequenceRemove(parkedIn, -1, -1);
                _parked = 0;
            }
        }

        return new PrefillResult(common, moves.Sum(m => m.Length), decoded, logitsIndex);
    }

    /// <summary>Decodes prompt[from..to) at their positions, in chunks (<see cref="ChunkRows"/>), keeping the token list in step.</summary>
    private int DecodeRange(IReadOnlyList<LLamaToken> prompt, int from, int to, CancellationToken ct, ref int logitsIndex)
    {
        var batch = (int)context.BatchSize;
        for (var start = from; start < to;)
        {
            ct.ThrowIfCancellationRequested();
            ChunkStarting?.Invoke();
            var count = ChunkRows(to - start, chunkSize, batch);
            NeedCells?.Invoke(count);
            _batch.Clear();
            for (var i = 0; i < count; i++)
            {
                _batch.Add(prompt[start + i], start + i, seq, start + i == prompt.Count - 1);
            }

            Decode();
            for (var i = 0; i < count; i++)
            {
                _tokens.Add(prompt[start + i]);
            }

            logitsIndex = count - 1;
            start += count;
        }

        return Math.Max(0, to - from);
    }

    /// <summary>
    /// The rows of the next prompt batch with <paramref name="left"/> tokens still to decode: a whole chunk, all that is
    /// left when it is a chunk or less, and the first chunk together with the odd remainder when more is left than a whole
    /// number of chunks. A batch of fewer rows than llama.cpp's CPU flash-attention tile (64) goes through its per-row
    /// kernel, several times slower at depth than a batch of a tile or more (stories260K, 2 cores, after 1,400 tokens:
    /// 48 rows alone ~63 ms, 64 rows ~6 ms, 112 rows ~12 ms; a synthetic 90M-parameter model: 48 rows ~274 ms, 64
    /// rows ~126 ms, 112 rows ~242 ms); riding with a whole chunk the remainder costs less than alone on every backend.
    /// Never more than <paramref name="batch"/> rows (the context's batch size, which llama.cpp refuses to exceed).
    /// </summary>
    internal static int ChunkRows(int left, int step, int batch)
    {
        step = Math.Clamp(step, 1, batch);
        var odd = left % step;
        return left > step && odd != 0 && step + odd <= batch ? step + odd : Math.Min(step, left);
    }

    /// <summary>Decodes one generated token after the cached ones; its logits are at index 0.</summary>
    public void Append(LLamaToken token)
    {
        NeedCells?.Invoke(BatchInvariant ? 2 : 1);
        _step.Clear();
        _step.Add(token, _tokens.Count, seq, true);
        if (BatchInvariant)
        {
            _step.Add(token, _tokens.Count + 1, seq, true);
        }

        Decode(_step);
        _tokens.Add(token);
        if (BatchInvariant)
        {
            context.NativeHandle.MemorySequenceRemove(seq, _tokens.Count, -1);
        }
    }

    /// <summary>
    /// Decodes <paramref name="first"/> and then <paramref name="drafts"/> after the cached tokens in one batch, with logits
    /// for every one: row i holds the logits after the first token and drafts[..i] (speculative verification). With
    /// <paramref name="rows"/> above their count, the batch is padded to that many rows with filler tokens that have no
    /// logits and leave the KV cache right after the decode: a later row never changes an earlier row's logits (causal
    /// attention), and llama.cpp's CPU flash attention decodes a batch of a whole tile (64 rows) several times faster
    /// than a few rows less.
    /// </summary>
    public void AppendVerified(LLamaToken first, IReadOnlyList<LLamaToken> drafts, int rows = 0)
    {
        var padded = rows > drafts.Count + 1;
        var batch = padded ? _tile : _step;
        NeedCells?.Invoke(Math.Max(rows, 1 + drafts.Count));
        batch.Clear();
        batch.Add(first, _tokens.Count, seq, true);
        for (var i = 0; i < drafts.Count; i++)
        {
            batch.Add(drafts[i], _tokens.Count + 1 + i, seq, true);
        }

        var filler = drafts.Count > 0 ? drafts[^1] : first;
        for (var i = drafts.Count + 1; i < rows; i++)
        {
            batch.Add(filler, _tokens.Count + i, seq, false);
        }

        Decode(batch);
        _tokens.Add(first);
        _tokens.AddRange(drafts);
        if (padded)
        {
            context.NativeHandle.MemorySequenceRemove(seq, _tokens.Count, -1);
        }
    }

    /// <summary>Removes every token from position <paramref name="count"/> on, from llama.cpp's memory and from the list (rejected drafts).</summary>
    public void TrimTo(int count)
    {
        if (count >= _tokens.Count)
        {
            return;
        }

        context.NativeHandle.MemorySequenceRemove(seq, count, -1);
        _tokens.RemoveRange(count, _tokens.Count - count);
    }

    /// <summary>The sequence this cache's tokens live in.</summary>
    public LLamaSeqId Sequence => seq;

    /// <summary>
    /// Keeps the longest common prefix with <paramref name="prompt"/> and forgets the rest, for a caller that decodes
    /// the remainder itself (a batch of several sequences); the last prompt token is never kept (its logits are needed).
    /// </summary>
    public int KeepPrefixOf(IReadOnlyList<LLamaToken> prompt)
    {
        var common = Math.Max(0, Math.Min(CommonPrefix(prompt), prompt.Count - 1));
        context.NativeHandle.MemorySequenceRemove(seq, common, -1);
        _tokens.RemoveRange(common, _tokens.Count - common);
        return common;
    }

    /// <summary>Records a token that a batch decoded into this sequence, at position <see cref="Count"/>.</summary>
    public void Decoded(LLamaToken token) => _tokens.Add(token);

    /// <summary>
    /// Moves <paramref name="other"/>'s tokens into this cache, which forgets its own first: the cells change sequence,
    /// nothing is decoded (the context is unified, so a copy only tags the cells), and <paramref name="other"/> ends empty.
    /// </summary>
    public void TakeFrom(KvCache other)
    {
        Clear();
        if (other.Count == 0)
        {
            return;
        }

        context.NativeHandle.MemorySequenceCopy(other.Sequence, seq, 0, -1);
        _tokens.AddRange(other._tokens);
        other.Clear();
    }

    /// <summary>Forgets this cache's sequence (and its side sequence); other sequences of the context stay.</summary>
    public void Clear()
    {
        context.NativeHandle.MemorySequenceRemove(seq, -1, -1);
        if (side is { } parked)
        {
            context.NativeHandle.MemorySequenceRemove(parked, -1, -1);
        }

        _tokens.Clear();
        _parked = 0;
    }

    /// <summary>Forgets what the cache held after llama.cpp's memory was cleared as a whole.</summary>
    public void Forget()
    {
        _tokens.Clear();
        _parked = 0;
    }

    public int CommonPrefix(IReadOnlyList<LLamaToken> prompt)
    {
        var common = 0;
        var limit = Math.Min(_tokens.Count, prompt.Count);
        while (common < limit && _tokens[common] == prompt[common])
        {
            common++;
        }

        return common;
    }

    private void Decode() => Decode(_batch);

    private void Decode(LLamaBatch batch)
    {
        var result = context.Decode(batch);
        if (result != DecodeResult.Ok)
        {
            throw new InvalidOperationException($"llama_decode failed: {result}");
        }
    }
}
