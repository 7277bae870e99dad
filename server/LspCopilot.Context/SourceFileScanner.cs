using LspCopilot.Completion;

namespace LspCopilot.Context;

/// <summary>What a scan of one workspace folder found.</summary>
public sealed record ScannedFolder(
    string Root,
    IReadOnlyList<string> ProjectFiles,
    IReadOnlyList<string> SourceFiles,
    int SkippedLarge,
    bool Truncated)
{
    /// <summary>Named pipes, devices and sockets named like source or project files: never opened.</summary>
    public IReadOnlyList<string> SkippedNotRegular { get; init; } = [];
}

/// <summary>
/// Lists the <c>.cs</c> and <c>.csproj</c> files under a workspace folder, bounded: build output,
/// dot-folders and .gitignored paths are skipped, symbolic links are never followed (so the walk cannot
/// leave the folder), anything but a regular file is never opened (a named pipe would block the read
/// forever), files over the size limit and beyond the count limit are left out. Sorted, so
/// two scans of the same tree agree.
/// </summary>
public static class SourceFileScanner
{
    private static readonly HashSet<string> s_skippedFolders = new(StringComparer.OrdinalIgnoreCase)
    {
        "bin", "obj", "node_modules", "artifacts", "TestResults",
    };

    public static ScannedFolder Scan(string root, AnalysisOptions options, CancellationToken cancellationToken)
    {
        var projects = new List<string>();
        var sources = new List<string>();
        var skippedLarge = 0;
        var notRegular = new List<string>();
        var truncated = false;
        var pending = new Queue<(string Folder, IReadOnlyList<GitIgnoreRules> Rules)>();
        pending.Enqueue((root, []));

        while (pending.Count > 0 && !truncated)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (folder, inherited) = pending.Dequeue();
            var rules = WithFolderRules(folder, inherited);
            IEnumerable<FileSystemInfo> entries;
            try
            {
                entries = new DirectoryInfo(folder).EnumerateFileSystemInfos().OrderBy(e => e.Name, StringComparer.Ordinal).ToList();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                continue;
            }

            foreach (var entry in entries)
            {
                if (entry.LinkTarget is not null)
                {
                    continue;
                }

                if (entry is DirectoryInfo)
                {
                    if (!entry.Name.StartsWith('.') && !s_skippedFolders.Contains(entry.Name) && !IsIgnored(entry.FullName, isDirectory: true, rules))
                    {
                        pending.Enqueue((entry.FullName, rules));
                    }

                    continue;
                }

                var isProject = entry.Name.EndsWith(".csproj", StringComparison.OrdinalIgnoreCase);
                if ((!isProject && !entry.Name.EndsWith(".cs", StringComparison.OrdinalIgnoreCase)) || IsIgnored(entry.FullName, isDirectory: false, rules))
                {
                    continue;
                }

                if (FileKinds.Of(entry.FullName) != FileKind.Regular)
                {
                    notRegular.Add(entry.FullName);
                }
                else if (isProject)
                {
                    projects.Add(entry.FullName);
                }
                else
                {
                    if (((FileInfo)entry).Length > options.MaxFileBytes)
                    {
                        skippedLarge++;
                    }
                    else if (sources.Count >= options.MaxFiles)
                    {
                        truncated = true;
                        break;
                    }
                    else
                    {
                        sources.Add(entry.FullName);
                    }
                }
            }
        }

        return new ScannedFolder(root, projects, sources, skippedLarge, truncated) { SkippedNotRegular = notRegular };
    }

    private static IReadOnlyList<GitIgnoreRules> WithFolderRules(string folder, IReadOnlyList<GitIgnoreRules> inherited)
    {
        var file = Path.Combine(folder, ".gitignore");
        var info = new FileInfo(file);
        if (!info.Exists || info.LinkTarget is not null || FileKinds.Of(file) != FileKind.Regular || info.Length > 1024 * 1024)
        {
            return inherited;
        }

        try
        {
            var rules = GitIgnoreRules.Parse(folder, File.ReadAllText(file));
            return rules.Count == 0 ? inherited : [.. inherited, rules];
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return inherited;
        }
    }

    /// <summary>Deeper .gitignore files override shallower ones; within a file, the last matching rule wins.</summary>
    private static bool IsIgnored(string fullPath, bool isDirectory, IReadOnlyList<GitIgnoreRules> rules)
    {
        for (var i = rules.Count - 1; i >= 0; i--)
        {
            var relative = Path.GetRelativePath(rules[i].Folder, fullPath).Replace(Path.DirectorySeparatorChar, '/');
            if (rules[i].Decide(relative, isDirectory) is bool decided)
            {
                return decided;
            }
        }

        return false;
    }
}
