using System.Diagnostics;
using System.Text;
using LLama;
using LLama.Native;
using LspCopilot.Completion;
using LspCopilot.Completion.Chat;

namespace LspCopilot.Engine.Chat;

/// <summary>
/// Runs chats on the engine thread, in the sequences of <see cref="KvSequences"/>: a chat with an id in the kept
/// conversation's, whose tokens stay for its next turn (<see cref="ConversationTokens"/>); one without in its own,
/// cleared after. The prompt is decoded a chunk at a time and the reply a token at a time, and before every decode
/// the chat pauses for the completions waiting (<c>pause</c>): at those points the chat needs nothing from the logits
/// (the previous chunk's are not used; a token is sampled before the pause and decoded after it), so a completion
/// may decode in between, and a chat never delays ghost text by more than one chunk or token.
/// </summary>
internal sealed class ChatRunner(
    LLamaContext context,
    ChatFormat format,
    KvBudget budget,
    KvCache conversation,
    KvCache oneOff,
    Func<string, LLamaToken[]> tokenize,
    Func<LLamaToken, string?> controlText,
    Func<string, string> sanitize,
    LLamaToken? bos,
    int chunkSize,
    int tileRows,
    bool fillsEveryCore,
    Action pause,
    Action progressed)
{
    /// <summary>How often the reply's text so far is handed to the caller while it streams (the first text at once, the last always).</summary>
    public static readonly TimeSpan StreamInterval = TimeSpan.FromMilliseconds(20);

    private readonly ConversationTokens _kept = NewConversation(context, tokenize, controlText, bos);

    /// <summary>
    /// What chunks and rows cost here, from this runner's decodes; used where llama.cpp's tiled attention makes a
    /// whole chunk cheaper than fewer rows (<c>tileRows</c> not 0, chunks made of whole tiles).
    /// </summary>
    private readonly RowCosts? _costs = tileRows > 0 && chunkSize >= tileRows && chunkSize % tileRows == 0 ? new RowCosts() : null;

    /// <summary>The costs learnt so far (for tests); null where rounding up never applies.</summary>
    internal RowCosts? Costs => _costs;

    public string Layout => format.Layout;

    /// <summary>The tokens a first turn of <paramref name="messages"/> decodes (for tests and tools).</summary>
    public List<LLamaToken> BuildPrompt(IReadOnlyList<ChatMessage> messages) =>
        NewConversation(context, tokenize, controlText, bos).Continue(Render(messages));

    public ChatResult Run(ChatRequest request, Action<string>? onText, CancellationToken ct)
    {
        if (request.Messages.Count == 0)
        {
            throw new ArgumentException("A chat needs at least one message.", nameof(request));
        }

        var clock = Stopwatch.StartNew();
        var kept = request.ConversationId is not null;
        var cache = kept ? conversation : oneOff;
        var turn = kept ? _kept : NewConversation(context, tokenize, controlText, bos);
        turn.Id = request.ConversationId;
        var prompt = Render(request.Messages);
        var tokens = turn.Continue(prompt);
        var promptTokens = tokens.Count;
        var cells = (int)context.ContextSize;
        if (promptTokens >= cells)
        {
            turn.Reset();
            throw new PromptTooLongException(
                $"The conversation is {promptTokens} tokens and the model's context holds {cells}: start a new conversation, send less code, or raise --context-size.");
        }

        budget.ActiveChat = cache;
        var reply = new Reply(context);
        try
        {
            var (reused, logitsAt) = Decode(cache, tokens, ct);
            var result = Generate(request.Generation, cache, tokens, logitsAt, reply, onText, clock, ct);
            turn.Record(prompt, tokens[..promptTokens], reply.Text, tokens[promptTokens..], reply.Complete(result.Reason));
            return new ChatResult(result.Text, result.Reason, new CompletionStats(promptTokens, reused, result.Generated, result.FirstToken, clock.Elapsed))
            {
                Layout = format.Layout,
            };
        }
        catch (OperationCanceledException)
        {
            // What was decoded stays valid: the prompt is a checkpoint for the next turn.
            turn.Record(prompt, tokens[..promptTokens], string.Empty, [], replyComplete: false);
            throw;
        }
        catch
        {
            // A failed decode leaves the sequence in an unknown state.
            cache.Clear();
            turn.Reset();
            throw;
        }
        finally
        {
            budget.ActiveChat = null;
            if (!kept)
            {
                cache.Clear();
            }
        }
    }

    /// <summary>Forgets the kept conversation if it is <paramref name="conversationId"/>.</summary>
    public void End(string conversationId)
    {
        if (string.Equals(_kept.Id, conversationId, StringComparison.Ordinal))
        {
            conversation.Clear();
            _kept.Reset();
            _kept.Id = null;
        }
    }

    /// <summary>Forgets everything after the context's memory was cleared as a whole.</summary>
    public void Forget()
    {
        _kept.Reset();
        _kept.Id = null;
    }

    private string Render(IReadOnlyList<ChatMessage> messages) =>
        format.Render([.. messages.Select(m => m with { Content = sanitize(m.Content) })]);

    private (string Text, StopReason Reason, int Generated, TimeSpan FirstToken) Generate(
        GenerationOptions generation, KvCache cache, List<LLamaToken> tokens, int logitsAt, Reply reply, Action<string>? onText, Stopwatch clock, CancellationToken ct)
    {
        using var sampler = SamplingPipelines.For(generation);
        var vocab = context.NativeHandle.ModelHandle.Vocab;
        var cells = (int)context.ContextSize;
        var generated = 0;
        var firstToken = TimeSpan.Zero;
        var reason = StopReason.TokenLimit;
        string? delivered = null;
        var deliveredAt = 0L;
        while (generated < generation.MaxTokens)
        {
            ct.ThrowIfCancellationRequested();
            if (tokens.Count >= cells)
            {
                reason = StopReason.ContextFull;
                break;
            }

            var next = sampler.Sample(context.NativeHandle, logitsAt);
            if (generated == 0)
            {
                firstToken = clock.Elapsed;
            }

            generated++;
            progressed();
            if (next.IsEndOfGeneration(vocab))
            {
                reason = StopReason.EndOfGeneration;
                break;
            }

            sampler.Accept(next);
            reply.Add(next);
            if (format.FindEnd(reply.Text) is int end)
            {
                reply.Cut(end);
                reason = StopReason.Stopper;
                break;
            }

            // The text so far goes out with the first token that shows something, then at most every StreamInterval:
            // whoever streams it to an editor wakes threads that take the cores from llama.cpp's for every call.
            if (onText is not null && (string.IsNullOrWhiteSpace(delivered) || Stopwatch.GetElapsedTime(deliveredAt) >= StreamInterval))
            {
                var first = string.IsNullOrWhiteSpace(delivered) && !string.IsNullOrWhiteSpace(reply.Text);
                delivered = reply.Text;
                deliveredAt = Stopwatch.GetTimestamp();
                onText(delivered);
                if (first && fillsEveryCore)
                {
                    // As a completion does (CompletionRunner): with llama.cpp's threads on every core, the threads that pass
                    // the first text on to the editor wait for a core until the reply ends otherwise.
                    Thread.Sleep(1);
                }
            }

            tokens.Add(next);
            if (cache.Count == tokens.Count - 1)
            {
                pause();
                ct.ThrowIfCancellationRequested();
            }

            // A completion that ran in the pause may have taken this chat's cells: then its tokens are decoded again.
            (_, logitsAt) = cache.Count == tokens.Count - 1 ? Append(cache, next, _costs) : Decode(cache, tokens, ct);
        }

        if (onText is not null && !string.Equals(delivered, reply.Text, StringComparison.Ordinal))
        {
            onText(reply.Text);
        }

        return (reply.Text, reason, generated, firstToken);
    }

    /// <summary>A conversation's tokens that spell with this context's vocabulary (static: field initializers call it).</summary>
    private static ConversationTokens NewConversation(LLamaContext context, Func<string, LLamaToken[]> tokenize, Func<LLamaToken, string?> controlText, LLamaToken? bos) =>
        new(tokenize, controlText, tokens => Spell(context, tokens), bos);

    /// <summary>The text <paramref name="tokens"/> spell, control tokens as their text (as the prompt writes them).</summary>
    private static string Spell(LLamaContext context, IReadOnlyList<LLamaToken> tokens)
    {
        var model = context.NativeHandle.ModelHandle;
        var bytes = new List<byte>();
        Span<byte> piece = stackalloc byte[256];
        foreach (var token in tokens)
        {
            bytes.AddRange(piece[..(int)model.TokenToSpan(token, piece, 0, special: true)]);
        }

        return Encoding.UTF8.GetString([.. bytes]);
    }

    private static (int, int) Append(KvCache cache, LLamaToken token, RowCosts? costs)
    {
        var (depth, started) = (cache.Count, Stopwatch.GetTimestamp());
        cache.Append(token);
        costs?.Token(depth, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return (0, 0);
    }

    /// <summary>
    /// Makes <paramref name="cache"/> hold <paramref name="tokens"/>, one chunk per decode with a pause before each;
    /// returns the tokens it already held (the reused prefix) and where the last token's logits are.
    /// No batch is smaller than a chunk when more than one is decoded: every one is <c>chunkSize</c> tokens but the first,
    /// which takes the odd remainder too, at the lowest positions, where attention is cheapest (<see cref="KvCache.ChunkRows"/>);
    /// a remainder just short of a chunk after a reused prefix (a follow-up question) is rounded up by decoding the last
    /// few reused tokens again (<see cref="AlignedStart"/>). With llama.cpp's CPU flash attention a batch under a whole
    /// chunk decoded 5–10× slower at the same depth (62 tokens after 1,346: ~110 ms against ~10 ms for 64), so the
    /// conversation's last chunk set the first token's time.
    /// </summary>
    private (int Reused, int LogitsAt) Decode(KvCache cache, List<LLamaToken> tokens, CancellationToken ct)
    {
        var step = Math.Max(1, chunkSize);
        int? reused = null;
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            pause();
            ct.ThrowIfCancellationRequested();
            var have = cache.CommonPrefix(tokens);
            if (reused is null)
            {
                have = AlignedStart(have, tokens.Count, step, _costs);
                cache.TrimTo(have);
                reused = Math.Min(have, tokens.Count - 1);
            }

            var rest = tokens.Count - have;
            var end = rest <= 0 ? tokens.Count : have + KvCache.ChunkRows(rest, step, (int)context.BatchSize);
            var started = Stopwatch.GetTimestamp();
            var prefill = cache.Prefill(new Head(tokens, end), ct);
            if (prefill.Decoded == step)
            {
                _costs?.Chunk(end - step, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }

            if (end == tokens.Count)
            {
                return (reused.Value, prefill.LogitsIndex);
            }
        }
    }

    /// <summary>
    /// Where decoding starts after a reused prefix of <paramref name="have"/> of <paramref name="count"/> tokens: a
    /// remainder within a quarter chunk of a whole chunk starts that many reused tokens earlier, so that every batch
    /// has the chunk's shape (at most a quarter chunk decoded twice); so does a shorter one that is all there is to
    /// decode when <paramref name="costs"/> tell that its rows alone cost more than a whole chunk at that depth;
    /// otherwise decoding starts where the prefix ends.
    /// </summary>
    internal static int AlignedStart(int have, int count, int step, RowCosts? costs = null)
    {
        var odd = (count - have) % step;
        var missing = step - odd;
        if (have <= 0 || odd == 0 || have < missing)
        {
            return have;
        }

        return missing <= step / 4 || (count - have < step && costs?.ChunkIsCheaper(odd, have) == true) ? have - missing : have;
    }

    /// <summary>The reply's text as it streams, and whether it spells exactly the tokens generated.</summary>
    private sealed class Reply(LLamaContext context)
    {
        private readonly StreamingTokenDecoder _decoder = new(context);
        private readonly List<LLamaToken> _tokens = [];
        private readonly StringBuilder _text = new();
        private bool _cut;

        public string Text => _text.ToString();

        public void Add(LLamaToken token)
        {
            _tokens.Add(token);
            _decoder.Add(token);
            _text.Append(_decoder.Read());
        }

        public void Cut(int length)
        {
            _text.Length = length;
            _cut = true;
        }

        /// <summary>
        /// True when the text is all the tokens spell (not cut at a stop, no character left half written), so it can be a
        /// checkpoint; control tokens spell nothing and stay in the conversation as the model wrote them.
        /// </summary>
        public bool Complete(StopReason reason)
        {
            if (_cut || reason == StopReason.Stopper)
            {
                return false;
            }

            var model = context.NativeHandle.ModelHandle;
            Span<byte> piece = stackalloc byte[256];
            long bytes = 0;
            foreach (var token in _tokens)
            {
                bytes += model.TokenToSpan(token, piece, 0, special: false);
            }

            return bytes == Encoding.UTF8.GetByteCount(Text);
        }
    }

    /// <summary>The first <paramref name="count"/> tokens of a list, without copying them.</summary>
    private sealed class Head(List<LLamaToken> tokens, int count) : IReadOnlyList<LLamaToken>
    {
        public LLamaToken this[int index] => index < count ? tokens[index] : throw new ArgumentOutOfRangeException(nameof(index));

        public int Count => count;

        public IEnumerator<LLamaToken> GetEnumerator() => tokens.Take(count).GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
