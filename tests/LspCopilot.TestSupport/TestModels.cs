namespace LspCopilot.TestSupport;

/// <summary>
/// Finds the shared tiny GGUF models: $LSPCOPILOT_TEST_MODELS, else a `shared/models` folder beside
/// the repository (found by walking up from the test binaries). Tests that need them skip with a
/// clear message when they are absent (a fresh clone has no ../shared).
/// </summary>
public static class TestModels
{
    public const string Fim = "stories260K-fim.gguf";
    public const string Stories = "stories260K.gguf";
    public const string Quantized = "TinyStories-656K-Q8_0.gguf";

    private static readonly Lazy<string?> s_folder = new(FindFolder);

    public static string? Folder => s_folder.Value;

    /// <summary>The full path of a shared model, or skips the calling test with the reason.</summary>
    public static string Require(string fileName)
    {
        var folder = Folder;
        Assert.SkipWhen(folder is null, $"Shared test models not found: set LSPCOPILOT_TEST_MODELS or put the repository beside shared/models (needed for {fileName}).");
        var path = Path.Combine(folder!, fileName);
        Assert.SkipUnless(File.Exists(path), $"Shared test model {path} is missing.");
        return path;
    }

    private static string? FindFolder()
    {
        var fromEnv = Environment.GetEnvironmentVariable("LSPCOPILOT_TEST_MODELS");
        if (!string.IsNullOrWhiteSpace(fromEnv) && Directory.Exists(fromEnv))
        {
            return Path.GetFullPath(fromEnv);
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "models");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
