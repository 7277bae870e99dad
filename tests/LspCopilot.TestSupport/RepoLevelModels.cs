using LspCopilot.Engine.Models;

namespace LspCopilot.TestSupport;

/// <summary>
/// The shared FIM model with its first byte tokens (from id 3) renamed to a code family's control tokens, written by
/// <see cref="GgufWriter"/>, so a test loads each family's vocabulary through llama.cpp for real. The weights were never
/// trained on any of it: tests assert prompts, never what the model writes.
/// </summary>
public static class RepoLevelModels
{
    public const int FirstMarkerId = 3;

    /// <summary>Qwen2.5-Coder: FIM markers, then <c>&lt;|repo_name|&gt;</c> (6) and <c>&lt;|file_sep|&gt;</c> (7).</summary>
    public static readonly string[] Qwen = ["<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>", "<|repo_name|>", "<|file_sep|>"];

    /// <summary>StarCoder2: FIM markers, then <c>&lt;repo_name&gt;</c> (6) and <c>&lt;file_sep&gt;</c> (7).</summary>
    public static readonly string[] StarCoder2 = ["<fim_prefix>", "<fim_suffix>", "<fim_middle>", "<repo_name>", "<file_sep>"];

    /// <summary>Code Llama: FIM markers only (no repository-level tokens).</summary>
    public static readonly string[] CodeLlama = ["▁<PRE>", "▁<SUF>", "▁<MID>", "▁<EOT>"];

    /// <summary>Writes the FIM model with <paramref name="markers"/> as control tokens from id 3 and no GGUF fim ids.</summary>
    public static string Write(TempFolder folder, string name, IReadOnlyList<string> markers, string fileName)
    {
        var writer = GgufWriter.CopyOf(TestModels.Require(TestModels.Fim))
            .Set("general.name", name)
            .Remove("tokenizer.ggml.fim_pre_token_id")
            .Remove("tokenizer.ggml.fim_suf_token_id")
            .Remove("tokenizer.ggml.fim_mid_token_id");
        var tokens = ((GgufArray)writer.Get("tokenizer.ggml.tokens")!.Value).Items!.ToArray();
        var types = ((GgufArray)writer.Get("tokenizer.ggml.token_type")!.Value).Items!.ToArray();
        for (var i = 0; i < markers.Count; i++)
        {
            tokens[FirstMarkerId + i] = markers[i];
            types[FirstMarkerId + i] = 3;
        }

        writer.SetArray("tokenizer.ggml.tokens", GgufValueType.String, tokens);
        writer.SetArray("tokenizer.ggml.token_type", GgufValueType.Int32, types);
        var path = folder.File(fileName);
        writer.WriteTo(path);
        return path;
    }
}
