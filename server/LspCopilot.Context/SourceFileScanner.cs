using System.Diagnostics;
using LspCopilot.Completion;

namespace LspCopilot.Context;

/// <summary>Which budget ended a scan early.</summary>
public enum ScanLimit
{
    /// <summary>The whole folder was scanned.</summary>
    None,

    /// <summary><see cref="AnalysisOptions.MaxFiles"/> source files were found.</summary>
    Files,

    /// <summary><see cref="AnalysisOptions.MaxScanEntries"/> files and folders were looked at.</summary>
    Entries,

    /// <summary>The scan ran for <see cref="AnalysisOptions.MaxScanTime"/>.</summary>
    Time,
}

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

    /// <summary>The budget that stopped the scan (<see cref="ScanLimit.None"/> when it finished).</summary>
    public ScanLimit StoppedBy { get; init; }

    /// <summary>Files and folders looked at.</summary>
    public int Entries { get; init; }
}

/// <summary>
/// Lists the <c>.cs</c> and <c>.csproj</c> files under a workspace folder, bounded: build output,
/// dot-folders and .gitignored paths are skipped, symbolic links are never followed (so the walk cannot
/// leave the folder), anything but a regular file is never opened (a named pipe would block the read
/// forever), files over the size limit are left out, and the walk stops at the first budget spent —
/// source files found, entries looked at, time — so a huge tree costs a bounded scan. Sorted, so
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
        var clock = Stopwatch.StartNew();
        var projects = new List<string>();
        var sources = new List<string>();
        var skippedLarge = 0;
        var notRegular = new List<string>();
        var entriesSeen = 0;
        var stoppedBy = ScanLimit.None;
        var pending = new Queue<(string Folder, IReadOnlyList<GitIgnoreRules> Rules)>();
        pending.Enqueue((root, []));

        while (pending.Count > 0 && stoppedBy == ScanLimit.None)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (clock.Elapsed >= options.MaxScanTime)
            {
                stoppedBy = ScanLimit.Time;
                break;
            }

            var (folder, inherited) = pending.Dequeue();
            var rules = WithFolderRules(folder, inherited);
            List<FileSystemInfo> entries;
            try
            {
                // Never more than the entry budget from one folder, and never past the time budget while listing it.
                entries = [.. new DirectoryInfo(folder).EnumerateFileSystemInfos()
                    .TakeWhile(_ => clock.Elapsed < options.MaxScanTime)
                    .Take(Math.Max(0, options.MaxScanEntries - entriesSeen) + 1)
                    .OrderBy(e => e.Name, StringComparer.Ordinal)];
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                continue;
            }

            foreach (var entry in entries)
            {
                if (++entriesSeen > options.MaxScanEntries)
                {
                    stoppedBy = ScanLimit.Entries;
                    break;
                }

                if (clock.Elapsed >= options.MaxScanTime)
                {
                    stoppedBy = ScanLimit.Time;
                    break;
                }

                cancellationToken.ThrowIfCancellationRequested();
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
                else if (((FileInfo)entry).Length > options.MaxFileBytes)
                {
                    skippedLarge++;
                }
                else if (sources.Count >= options.MaxFiles)
                {
                    stoppedBy = ScanLimit.Files;
                    break;
                }
                else
                {
                    sources.Add(entry.FullName);
                }
            }
        }

        return new ScannedFolder(root, projects, sources, skippedLarge, stoppedBy != ScanLimit.None)
        {
            SkippedNotRegular = notRegular,
            StoppedBy = stoppedBy,
            Entries = Math.Min(entriesSeen, options.MaxScanEntries),
        };
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
