namespace LspCopilot.Engine.Models;

/// <summary>
/// The model a first run suggests: Qwen2.5-Coder 1.5B (base, trained for fill-in-the-middle) at
/// Q8_0, as ggml-org publishes it for llama.vscode/llama.vim (1.6 GB; fits any machine with 4 GB
/// free; lower quantizations hurt a model this small). The server never downloads it by itself:
/// it looks for it in the cache and tells the user the one command that does.
/// </summary>
public static class ModelDefaults
{
    public const string Repository = "ggml-org/Qwen2.5-Coder-1.5B-Q8_0-GGUF";
    public const string File = "qwen2.5-coder-1.5b-q8_0.gguf";

    /// <summary>SHA-256 of the file as published (revision 8be1b8a895a84beea772817caaa71eba6b6e0d07); checked when the server sends none.</summary>
    public const string Sha256 = "29871c94d15727a6e243f79a37113d4ae625a6215b5e800bf41a23af2da32832";

    public const long SizeBytes = 1_646_573_056;

    public static ModelReference Reference { get; } = new(Repository, File);

    /// <summary>The command that downloads the default model.</summary>
    public static string PullCommand => $"lspcopilot model pull {Repository} {File}";

    /// <summary>The default model's path if it is in the cache (<paramref name="cacheDir"/>, else the default cache), else null.</summary>
    public static string? FindInCache(string? cacheDir = null) => ModelCache.Resolve(cacheDir).Find(Reference);

    /// <summary>What to tell a user who has configured no model and has not downloaded the default.</summary>
    public static string MissingMessage(string? cacheDir = null) =>
        $"No model is configured and the default model is not in the cache ({ModelCache.Resolve(cacheDir).Root}). " +
        $"Download it once (1.6 GB) with:  {PullCommand}  " +
        "— or pass --model PATH, set initializationOptions.modelPath, or set LSPCOPILOT_MODEL to a GGUF file.";
}
