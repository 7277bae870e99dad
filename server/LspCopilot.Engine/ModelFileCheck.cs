using LspCopilot.Completion;
using LspCopilot.Engine.Models;

namespace LspCopilot.Engine;

/// <summary>Checks a model path before any native code sees it, so bad paths give clear messages, not crashes.</summary>
public static class ModelFileCheck
{
    public const string HowToConfigure =
        "Pass --model PATH, set initializationOptions.modelPath in your editor, or set the LSPCOPILOT_MODEL environment variable to a GGUF file (for example a Qwen2.5-Coder GGUF).";

    /// <summary>Returns the full path of a readable GGUF file, else throws <see cref="ModelLoadException"/>.</summary>
    public static string Validate(string? path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new ModelLoadException(ModelDefaults.MissingMessage());
        }

        var full = Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            throw new ModelLoadException($"The model path '{full}' is a folder; point it at a .gguf file inside it.");
        }

        if (!File.Exists(full))
        {
            throw new ModelLoadException($"The model file '{full}' does not exist. " + HowToConfigure);
        }

        Span<byte> magic = stackalloc byte[4];
        try
        {
            using var stream = File.OpenRead(full);
            if (stream.ReadAtLeast(magic, 4, throwOnEndOfStream: false) < 4 || !magic.SequenceEqual("GGUF"u8))
            {
                throw new ModelLoadException($"The model file '{full}' is not a GGUF file (it does not start with 'GGUF'). Download a .gguf build of the model.");
            }
        }
        catch (IOException ex)
        {
            throw new ModelLoadException($"The model file '{full}' cannot be read: {ex.Message}", ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new ModelLoadException($"The model file '{full}' cannot be read: {ex.Message}", ex);
        }

        return full;
    }
}
