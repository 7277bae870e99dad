namespace LspCopilot.Context;

/// <summary>A workspace folder that is not loaded, and why.</summary>
public sealed record RefusedRoot(string Path, string Reason);

/// <summary>
/// The workspace folders, as real paths (symbolic links resolved), and the one check every disk read
/// goes through: a URI maps to a file only when it is a local <c>file:</c> URI whose
/// real path lies under a root. <c>..</c> and <c>%2e%2e</c> are collapsed before the check and links
/// are followed to their final target, so neither can step outside. A filesystem root or the user's
/// home folder is refused as a root (see <see cref="Refused"/>): loading it would walk everything.
/// </summary>
public sealed class WorkspaceRoots
{
    private const int MaxLinkHops = 40;

    private static readonly StringComparison s_pathComparison =
        OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

    /// <param name="rootPaths">The workspace folders.</param>
    /// <param name="homeFolder">The user's home folder, refused as a root; null: no home check.</param>
    public WorkspaceRoots(IEnumerable<string> rootPaths, string? homeFolder = null)
    {
        var home = homeFolder is { Length: > 0 } ? RealPath(Path.GetFullPath(homeFolder)) : null;
        var accepted = new List<string>();
        var refused = new List<RefusedRoot>();
        foreach (var path in rootPaths
            .Select(p => RealPath(Path.GetFullPath(p)))
            .Where(Directory.Exists)
            .Distinct(OperatingSystem.IsWindows() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal)
            .OrderBy(p => p, StringComparer.Ordinal))
        {
            if (IsFileSystemRoot(path))
            {
                refused.Add(new RefusedRoot(path, "a filesystem root"));
            }
            else if (home is not null && string.Equals(path.TrimEnd(Path.DirectorySeparatorChar), home.TrimEnd(Path.DirectorySeparatorChar), s_pathComparison))
            {
                refused.Add(new RefusedRoot(path, "your home folder"));
            }
            else
            {
                accepted.Add(path);
            }
        }

        Paths = accepted;
        Refused = refused;
    }

    /// <summary>Root folders, deepest match wins when they nest.</summary>
    public IReadOnlyList<string> Paths { get; }

    /// <summary>Folders the client named that are too big to load as a whole: documents under them are analysed alone.</summary>
    public IReadOnlyList<RefusedRoot> Refused { get; }

    public static StringComparison PathComparison => s_pathComparison;

    /// <summary>The local paths of the roots a client named (its workspace folders, else its rootUri); URIs that are not local files are left out.</summary>
    public static IReadOnlyList<string> LocalPaths(IEnumerable<string> uris)
    {
        var paths = new List<string>();
        foreach (var uri in uris)
        {
            if (TryGetLocalPath(uri, out var path))
            {
                paths.Add(path);
            }
        }

        return paths;
    }

    /// <summary>
    /// The absolute local path of a <c>file:</c> URI, with dot segments collapsed; false for other
    /// schemes, UNC hosts, relative or malformed paths.
    /// </summary>
    public static bool TryGetLocalPath(string uri, out string path)
    {
        path = string.Empty;
        if (!Uri.TryCreate(uri, UriKind.Absolute, out var parsed) || !parsed.IsFile || parsed.IsUnc || parsed.Host.Length > 0)
        {
            return false;
        }

        var local = parsed.LocalPath;
        if (local.Contains('\0', StringComparison.Ordinal) || !IsFullyQualified(local))
        {
            return false;
        }

        path = Path.GetFullPath(local);
        return true;
    }

    /// <summary>The root that holds <paramref name="fullPath"/> once links are resolved, or null.</summary>
    public string? RootOf(string fullPath) => RootOf(fullPath, out _);

    /// <summary>The root that holds <paramref name="fullPath"/>, and the path with links resolved.</summary>
    public string? RootOf(string fullPath, out string realPath)
    {
        var real = RealPath(fullPath);
        realPath = real;
        string? best = null;
        foreach (var root in Paths)
        {
            if (IsUnder(real, root) && (best is null || root.Length > best.Length))
            {
                best = root;
            }
        }

        return best;
    }

    /// <summary>The root of a document URI and its real path, or null when the URI names nothing inside the roots.</summary>
    public string? RootOfUri(string uri, out string realPath)
    {
        realPath = string.Empty;
        return TryGetLocalPath(uri, out var path) ? RootOf(path, out realPath) : null;
    }

    public static bool IsUnder(string path, string root) =>
        path.Length > root.Length
            ? path.StartsWith(root, s_pathComparison) && (root.EndsWith(Path.DirectorySeparatorChar) || path[root.Length] == Path.DirectorySeparatorChar)
            : string.Equals(path, root, s_pathComparison);

    /// <summary>
    /// The path with every symbolic link along it replaced by its target (like realpath(3)); parts
    /// that do not exist yet (an unsaved file) are kept as written.
    /// </summary>
    public static string RealPath(string fullPath)
    {
        var hops = 0;
        return Resolve(Path.GetFullPath(fullPath), ref hops);
    }

    private static string Resolve(string fullPath, ref int hops)
    {
        var root = Path.GetPathRoot(fullPath) ?? string.Empty;
        var parts = fullPath[root.Length..].Split([Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar], StringSplitOptions.RemoveEmptyEntries);
        var current = root;
        for (var i = 0; i < parts.Length; i++)
        {
            var next = Path.Combine(current, parts[i]);
            FileSystemInfo info = Directory.Exists(next) ? new DirectoryInfo(next) : new FileInfo(next);
            if (info.Exists && info.LinkTarget is { } target)
            {
                if (++hops > MaxLinkHops)
                {
                    // A link loop: answer a path no root can contain.
                    return Path.Combine(root, "\0loop");
                }

                var resolved = Path.IsPathFullyQualified(target) ? target : Path.Combine(current, target);
                next = Resolve(Path.GetFullPath(resolved), ref hops);
            }

            current = next;
        }

        return current;
    }

    private static bool IsFileSystemRoot(string path) =>
        string.Equals(Path.GetPathRoot(path), path, s_pathComparison) || Path.GetDirectoryName(path) is null;

    private static bool IsFullyQualified(string path) =>
        OperatingSystem.IsWindows() ? Path.IsPathFullyQualified(path) : path.StartsWith('/');
}
