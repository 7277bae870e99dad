using System.Text;
using LLama.Native;

namespace LspCopilot.Engine.Speculation;

/// <summary>
/// Whether a draft model shares the target's vocabulary exactly: the same number of tokens, each with the same bytes and
/// attributes, and the same special tokens. Drafts are verified by token id, so anything less would make its guesses
/// meaningless (never wrong output, but no speed-up and a wasted model).
/// </summary>
internal static class VocabularyMatch
{
    /// <summary>Null when the vocabularies are identical, else what differs, in words.</summary>
    public static string? Difference(SafeLlamaModelHandle.Vocabulary target, SafeLlamaModelHandle.Vocabulary draft)
    {
        if (target.Count != draft.Count)
        {
            return $"it has {draft.Count} tokens, the model {target.Count}";
        }

        if (target.Type != draft.Type)
        {
            return $"its tokenizer is {draft.Type}, the model's {target.Type}";
        }

        (string Name, LLamaToken? Target, LLamaToken? Draft)[] specials =
        [
            ("BOS", target.BOS, draft.BOS), ("EOS", target.EOS, draft.EOS), ("EOT", target.EOT, draft.EOT),
            ("FIM prefix", target.InfillPrefix, draft.InfillPrefix), ("FIM suffix", target.InfillSuffix, draft.InfillSuffix),
            ("FIM middle", target.InfillMiddle, draft.InfillMiddle),
        ];
        foreach (var (name, a, b) in specials)
        {
            if (a != b)
            {
                return $"its {name} token is {Describe(b)}, the model's {Describe(a)}";
            }
        }

        var left = new byte[256];
        var right = new byte[256];
        for (var id = 0; id < target.Count; id++)
        {
            var token = (LLamaToken)id;
            var a = Piece(target, token, ref left);
            var b = Piece(draft, token, ref right);
            if (!a.SequenceEqual(b) || token.GetAttributes(target) != token.GetAttributes(draft))
            {
                return $"token {id} is '{Show(b)}' there, '{Show(a)}' in the model";
            }
        }

        return null;
    }

    private static ReadOnlySpan<byte> Piece(SafeLlamaModelHandle.Vocabulary vocab, LLamaToken token, ref byte[] buffer)
    {
        var n = NativeApi.llama_token_to_piece(vocab, token, buffer, 0, true);
        if (n < 0)
        {
            buffer = new byte[-n];
            n = NativeApi.llama_token_to_piece(vocab, token, buffer, 0, true);
        }

        return buffer.AsSpan(0, Math.Max(0, n));
    }

    private static string Describe(LLamaToken? token) => token is { } t ? ((int)t).ToString(System.Globalization.CultureInfo.InvariantCulture) : "none";

    private static string Show(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes).Replace("\n", "\\n", StringComparison.Ordinal);
}
