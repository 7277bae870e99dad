namespace LspCopilot.Engine.Models;

/// <summary>
/// The tokens that end a generation, as llama.cpp decides: the eos/eot/eom ids in the metadata plus
/// any token spelled like a known end marker (a FIM model that writes &lt;|file_sep|&gt; is done).
/// </summary>
public static class EndOfGeneration
{
    private static readonly string[] s_keys =
    [
        "tokenizer.ggml.eos_token_id",
        "tokenizer.ggml.eot_token_id",
        "tokenizer.ggml.eom_token_id",
    ];

    private static readonly HashSet<string> s_texts = new(StringComparer.Ordinal)
    {
        "<|eot_id|>",
        "<|im_end|>",
        "<|end|>",
        "<end_of_turn>",
        "<|endoftext|>",
        "<|eom_id|>",
        "<EOT>",
        "▁<EOT>",
        "<｜end▁of▁sentence｜>",
        "<|fim_pad|>",
        "<|repo_name|>",
        "<|file_sep|>",
        "<fim_pad>",
        "<file_sep>",
        "<|file_separator|>",
        "<|return|>",
        "<|call|>",
    };

    public static IReadOnlyList<int> Find(GgufFile gguf)
    {
        var tokens = gguf.GetArray("tokenizer.ggml.tokens")?.Items;
        var count = tokens?.Count ?? int.MaxValue;
        var found = new SortedSet<int>();
        foreach (var key in s_keys)
        {
            if (gguf.GetInteger(key) is long id && id >= 0 && id < count)
            {
                found.Add((int)id);
            }
        }

        if (tokens is not null)
        {
            var types = gguf.GetArray("tokenizer.ggml.token_type");
            for (var i = 0; i < tokens.Count; i++)
            {
                // Only control or user-defined tokens (types 3 and 4) are markers; a plain word is not.
                if (tokens[i] is string text && s_texts.Contains(text) && types?.IntegerAt(i) is null or 3 or 4)
                {
                    found.Add(i);
                }
            }
        }

        return [.. found];
    }
}
