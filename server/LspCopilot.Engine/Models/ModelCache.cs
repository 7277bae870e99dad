namespace LspCopilot.Engine.Models;

/// <summary>
/// The folder downloaded models live in: <c>ROOT/OWNER/NAME/FILE</c>. ROOT is --cache-dir, else
/// $LSPCOPILOT_MODEL_CACHE, else ~/.cache/lspcopilot/models ($XDG_CACHE_HOME honoured; on Windows
/// %LOCALAPPDATA%\lspcopilot\models). Downloads in progress sit beside their target as <c>.partial</c>.
/// </summary>
public sealed class ModelCache
{
    public const string EnvironmentVariable = "LSPCOPILOT_MODEL_CACHE";
    public const string PartialSuffix = ".partial";

    public ModelCache(string root)
    {
        Root = Path.GetFullPath(root);
    }

    public string Root { get; }

    public static ModelCache Resolve(string? cacheDir) => new(string.IsNullOrWhiteSpace(cacheDir) ? DefaultRoot() : cacheDir);

    public static string DefaultRoot()
    {
        var fromEnv = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnv))
        {
            return Path.GetFullPath(fromEnv);
        }

        if (OperatingSystem.IsWindows())
        {
            return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "lspcopilot", "models");
        }

        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        var cache = !string.IsNullOrWhiteSpace(xdg) && Path.IsPathRooted(xdg)
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(cache, "lspcopilot", "models");
    }

    /// <summary>Where a reference's file lives in the cache (whether or not it is there).</summary>
    public string PathFor(ModelReference reference)
    {
        var path = Path.GetFullPath(Path.Combine([Root, reference.Owner, reference.Name, .. reference.FileSegments]));
        // ModelReference already refuses "..": this is the belt to its braces.
        if (!path.StartsWith(Root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{reference}' would be stored outside the model cache.");
        }

        return path;
    }

    /// <summary>The full path of a cached model file, or null when it is not (completely) downloaded.</summary>
    public string? Find(ModelReference reference)
    {
        var path = PathFor(reference);
        return File.Exists(path) ? path : null;
    }

    /// <summary>Every model file in the cache, complete ones and downloads in progress.</summary>
    public IReadOnlyList<CachedModel> List()
    {
        if (!Directory.Exists(Root))
        {
            return [];
        }

        var models = new List<CachedModel>();
        var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, MaxRecursionDepth = 16 };
        foreach (var file in Directory.EnumerateFiles(Root, "*", options))
        {
            var partial = file.EndsWith(PartialSuffix, StringComparison.Ordinal);
            var modelPath = partial ? file[..^PartialSuffix.Length] : file;
            if (!modelPath.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var relative = Path.GetRelativePath(Root, modelPath).Replace(Path.DirectorySeparatorChar, '/');
            var parts = relative.Split('/');
            var repository = parts.Length >= 3 ? $"{parts[0]}/{parts[1]}" : null;
            var name = parts.Length >= 3 ? string.Join('/', parts[2..]) : relative;
            models.Add(new CachedModel(repository, name, file, new FileInfo(file).Length, !partial));
        }

        return [.. models.OrderBy(m => m.Repository, StringComparer.Ordinal).ThenBy(m => m.File, StringComparer.Ordinal)];
    }
}

/// <summary>One file in the model cache; <see cref="Complete"/> is false for a download in progress (<c>.partial</c>).</summary>
public sealed record CachedModel(string? Repository, string File, string Path, long Size, bool Complete);
