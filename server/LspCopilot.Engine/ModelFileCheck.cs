using LspCopilot.Completion;
using LspCopilot.Engine.Models;

namespace LspCopilot.Engine;

/// <summary>
/// Checks a model path before any native code sees it, so bad paths give clear messages, not crashes
/// or hangs: it must be a regular file (links followed) that starts with <c>GGUF</c>.
/// </summary>
public static class ModelFileCheck
{
    public const string HowToConfigure =
        "Pass --model PATH, set initializationOptions.modelPath in your editor, or set the LSPCOPILOT_MODEL environment variable to a GGUF file (for example a Qwen2.5-Coder GGUF).";

    /// <summary>
    /// When the missing model's folder exists but holds no .gguf file, most often a container's model mount that
    /// is empty or wrong, says so and what the folder does hold; else null.
    /// </summary>
    public static string? EmptyFolderHint(string fullPath)
    {
        var folder = Path.GetDirectoryName(fullPath);
        if (folder is null || !Directory.Exists(folder))
        {
            return null;
        }

        try
        {
            var entries = Directory.EnumerateFileSystemEntries(folder).Select(Path.GetFileName).Take(5).ToList();
            if (Directory.EnumerateFiles(folder, "*.gguf").Any())
            {
                return null;
            }

            return entries.Count == 0
                ? $"The folder '{folder}' is empty: if it is a mount (a container's /models), the host folder mounted there is empty or is not the one holding your GGUF files."
                : $"The folder '{folder}' holds no .gguf file (it holds {string.Join(", ", entries)}{(entries.Count == 5 ? ", …" : string.Empty)}): check the mount or the file name.";
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"The folder '{folder}' cannot be listed ({ex.Message}): check its permissions (a container's user must be able to read the mount).";
        }
    }

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

        var kind = FileKinds.Of(full);
        if (kind == FileKind.Missing || !File.Exists(full))
        {
            throw new ModelLoadException($"The model file '{full}' does not exist. " + (EmptyFolderHint(full) ?? HowToConfigure));
        }

        if (kind != FileKind.Regular)
        {
            // Opening a named pipe blocks until something writes to it, and a device may never end.
            throw new ModelLoadException($"The model path '{full}' is {FileKinds.Describe(kind)}, not a regular file: llama.cpp needs the .gguf file itself on disk. Point the model path at the downloaded .gguf file (a symbolic link to it is fine).");
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
