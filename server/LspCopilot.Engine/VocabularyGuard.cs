using System.Buffers;
using System.Text;
using LLama.Native;

namespace LspCopilot.Engine;

/// <summary>
/// Some SentencePiece vocabularies lack byte-fallback tokens; llama.cpp then aborts the whole process
/// (std::out_of_range) when asked to tokenize a character it cannot spell. This guard learns, once
/// per model, which characters are safe and replaces the others before any text reaches the tokenizer.
/// </summary>
internal sealed class VocabularyGuard
{
    private readonly HashSet<Rune>? _pieces;
    private readonly bool[]? _bytes;
    private readonly Rune _replacement;

    private VocabularyGuard(HashSet<Rune>? pieces, bool[]? bytes, Rune replacement)
    {
        _pieces = pieces;
        _bytes = bytes;
        _replacement = replacement;
    }

    /// <summary>True when every character can be tokenized as is.</summary>
    public bool PassesEverything => _pieces is null;

    public static VocabularyGuard For(SafeLlamaModelHandle model, SafeLLamaContextHandle context)
    {
        var vocab = model.Vocab;
        if (vocab.Type != LLamaVocabType.SentencePiece)
        {
            return new VocabularyGuard(null, null, default);
        }

        var pieces = new HashSet<Rune>();
        var bytes = new bool[256];
        Span<byte> buffer = stackalloc byte[64];
        for (var id = 0; id < vocab.Count; id++)
        {
            var token = (LLamaToken)id;
            var attributes = token.GetAttributes(vocab);
            if ((attributes & LLamaTokenAttr.Byte) != 0)
            {
                if (context.TokenToSpan(token, buffer) == 1)
                {
                    bytes[buffer[0]] = true;
                }

                continue;
            }

            if ((attributes & (LLamaTokenAttr.Normal | LLamaTokenAttr.UserDefined)) == 0)
            {
                continue;
            }

            var piece = vocab.LLamaTokenToString(token, isSpecialToken: false);
            if (piece is not null && Rune.DecodeFromUtf16(piece, out var rune, out var used) == OperationStatus.Done && used == piece.Length)
            {
                pieces.Add(rune);
            }
        }

        if (bytes.All(b => b))
        {
            return new VocabularyGuard(null, null, default);
        }

        var replacement = pieces.Contains(new Rune('?')) ? new Rune('?') : new Rune(' ');
        return new VocabularyGuard(pieces, bytes, replacement);
    }

    public bool CanSpell(Rune rune)
    {
        if (_pieces is null || _pieces.Contains(rune))
        {
            return true;
        }

        Span<byte> utf8 = stackalloc byte[4];
        var length = rune.EncodeToUtf8(utf8);
        for (var i = 0; i < length; i++)
        {
            if (!_bytes![utf8[i]])
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The text with every character the vocabulary cannot spell replaced.</summary>
    public string Sanitize(string text)
    {
        if (_pieces is null)
        {
            return text;
        }

        StringBuilder? builder = null;
        var index = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            if (!CanSpell(rune))
            {
                builder ??= new StringBuilder(text, 0, index, text.Length);
                builder.Append(_replacement.ToString());
            }
            else
            {
                builder?.Append(rune.ToString());
            }

            index += rune.Utf16SequenceLength;
        }

        return builder?.ToString() ?? text;
    }
}
