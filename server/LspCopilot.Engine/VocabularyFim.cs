using LLama.Native;
using LspCopilot.Completion;
using LspCopilot.Engine.Models;

namespace LspCopilot.Engine;

/// <summary>Reads a loaded model's fill-in-the-middle layout from its vocabulary.</summary>
public static class VocabularyFim
{
    /// <summary>
    /// The layout of a loaded model: its control-token texts select the family (see
    /// <see cref="FimTemplates"/>), else the GGUF fim_pre/suf/mid ids, else prefix-only.
    /// <paramref name="architecture"/> and <paramref name="modelName"/> (general.architecture,
    /// general.name) only tell apart families that spell FIM alike (Qwen vs CodeGemma).
    /// </summary>
    public static FimLayout FromVocabulary(SafeLlamaModelHandle.Vocabulary vocab, string? architecture = null, string? modelName = null)
    {
        // Only control and user-defined tokens can be FIM markers; their texts come back verbatim
        // (no SentencePiece space unescaping) when rendered as special tokens.
        var texts = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var id = 0; id < vocab.Count; id++)
        {
            var token = (LLamaToken)id;
            if ((token.GetAttributes(vocab) & (LLamaTokenAttr.Control | LLamaTokenAttr.UserDefined)) == 0)
            {
                continue;
            }

            if (vocab.LLamaTokenToString(token, isSpecialToken: true) is { Length: > 0 } text)
            {
                texts.TryAdd(text, id);
            }
        }

        return FimTemplates.Detect(new FimEvidence(
            architecture,
            modelName,
            text => texts.TryGetValue(text, out var id) ? id : null,
            (int?)vocab.InfillPrefix,
            (int?)vocab.InfillSuffix,
            (int?)vocab.InfillMiddle));
    }
}
