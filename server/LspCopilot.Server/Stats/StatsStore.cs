using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using LspCopilot.Completion;

namespace LspCopilot.Server.Stats;

/// <summary>
/// The local acceptance statistics: JSON lines in <c>events.jsonl</c> under the user's state folder, never sent
/// anywhere. Bounded: when the file would pass <see cref="MaxFileBytes"/> it becomes <c>events.1.jsonl</c> (replacing
/// the older one) and a new file starts, so the store never holds more than twice that. Writes happen on a background
/// task, off the keystroke path; a store that cannot be written (no such folder, read-only, disk full) logs one
/// warning and is switched off for the process — completions never depend on it.
/// </summary>
public sealed class StatsStore
{
    public const string FileName = "events.jsonl";
    public const string RotatedFileName = "events.1.jsonl";

    /// <summary>Default bound of one file: some 2,500 suggestions' events.</summary>
    public const long DefaultMaxFileBytes = 512 * 1024;

    private static readonly Lazy<StatsStore> s_user = new(() => new StatsStore(DefaultFolder()));
    private static readonly JsonSerializerOptions s_json = new() { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };

    private readonly Channel<Pending> _pending = Channel.CreateBounded<Pending>(new BoundedChannelOptions(4096) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly Lazy<Task> _writer;
    private int _failed;

    public StatsStore(string folder, long maxFileBytes = DefaultMaxFileBytes)
    {
        Folder = folder;
        MaxFileBytes = Math.Max(256, maxFileBytes);
        _writer = new Lazy<Task>(() => Task.Run(WriteLoopAsync));
    }

    /// <summary>A store that records nothing (benchmarks: their suggestions are not the user's).</summary>
    public static StatsStore Off { get; } = new(Path.Combine(Path.GetTempPath(), "lspcopilot-stats-off")) { _failed = 1 };

    /// <summary>The store of this user: <see cref="DefaultFolder"/>, shared by every session of the process.</summary>
    public static StatsStore User => s_user.Value;

    public string Folder { get; }

    public long MaxFileBytes { get; }

    public string FilePath => Path.Combine(Folder, FileName);

    public string RotatedFilePath => Path.Combine(Folder, RotatedFileName);

    /// <summary>True once a write failed: nothing more is written by this process.</summary>
    public bool Failed => Volatile.Read(ref _failed) != 0;

    /// <summary>$XDG_STATE_HOME/lspcopilot, else ~/.local/state/lspcopilot (on Windows %LOCALAPPDATA%\lspcopilot\state).</summary>
    public static string DefaultFolder()
    {
        var xdg = Environment.GetEnvironmentVariable("XDG_STATE_HOME");
        if (!string.IsNullOrWhiteSpace(xdg) && Path.IsPathRooted(xdg))
        {
            return Path.Combine(xdg, "lspcopilot");
        }

        return OperatingSystem.IsWindows()
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "lspcopilot", "state")
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state", "lspcopilot");
    }

    /// <summary>Queues one event; never blocks and never throws. A failure is told once to <paramref name="log"/>.</summary>
    public void Append(StatsEvent stats, ServerLog? log)
    {
        if (Failed)
        {
            return;
        }

        _ = _writer.Value;
        if (!_pending.Writer.TryWrite(new Pending(JsonSerializer.Serialize(stats, s_json), log, null)))
        {
            log?.Debug("Acceptance statistics: the write queue is full; one event was left out.");
        }
    }

    /// <summary>Completes when every event queued before it is written (or given up).</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        if (!_writer.IsValueCreated)
        {
            return;
        }

        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await _pending.Writer.WriteAsync(new Pending(null, null, done), cancellationToken).ConfigureAwait(false);
        await done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Every event in the store, oldest first; lines that cannot be read (a torn write, another version) are skipped.
    /// <paramref name="problem"/> says why nothing could be read when the folder or files cannot be opened.
    /// </summary>
    public IReadOnlyList<StatsEvent> ReadAll(out string? problem)
    {
        problem = null;
        var events = new List<StatsEvent>();
        foreach (var path in new[] { RotatedFilePath, FilePath })
        {
            try
            {
                using var reader = new StreamReader(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete), Encoding.UTF8);
                while (reader.ReadLine() is { } line)
                {
                    if (Parse(line) is { } parsed)
                    {
                        events.Add(parsed);
                    }
                }
            }
            catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
            {
                // Nothing recorded yet (or never rotated).
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                problem = $"cannot read {path}: {ex.Message}";
            }
        }

        return events;
    }

    private static StatsEvent? Parse(string line)
    {
        if (line.Length == 0)
        {
            return null;
        }

        try
        {
            var parsed = JsonSerializer.Deserialize<StatsEvent>(line, s_json);
            return parsed is { Kind.Length: > 0, Id.Length: > 0 } ? parsed : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private async Task WriteLoopAsync()
    {
        await foreach (var item in _pending.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            if (item.Flushed is { } flushed)
            {
                flushed.TrySetResult();
            }
            else if (item.Line is { } line && !Failed)
            {
                Write(line, item.Log);
            }
        }
    }

    private void Write(string line, ServerLog? log)
    {
        var bytes = Encoding.UTF8.GetBytes(line + "\n");
        try
        {
            CreateFolder();
            var file = new FileInfo(FilePath);
            if (file.Exists && file.Length + bytes.Length > MaxFileBytes)
            {
                Rotate();
            }

            // Append mode is not used: it refuses files that cannot seek, and a device (a full disk in tests) must fail on write.
            using var stream = new FileStream(FilePath, FileMode.OpenOrCreate, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
            if (stream.CanSeek)
            {
                stream.Seek(0, SeekOrigin.End);
            }

            stream.Write(bytes);
            stream.Flush();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            if (Interlocked.Exchange(ref _failed, 1) == 0)
            {
                log?.Warning($"Acceptance statistics are off for this run: cannot write {FilePath}: {ex.Message}. Completions are not affected; free some disk space or make {Folder} writable (or set XDG_STATE_HOME to a writable folder) and restart the server.");
            }
        }
    }

    private void CreateFolder()
    {
        if (Directory.Exists(Folder))
        {
            return;
        }

        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(Folder);
        }
        else
        {
            // Only this user reads what it typed and accepted.
            Directory.CreateDirectory(Folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    private void Rotate()
    {
        try
        {
            File.Move(FilePath, RotatedFilePath, overwrite: true);
        }
        catch (FileNotFoundException)
        {
            // Another server process rotated it first.
        }
    }

    private sealed record Pending(string? Line, ServerLog? Log, TaskCompletionSource? Flushed);
}
