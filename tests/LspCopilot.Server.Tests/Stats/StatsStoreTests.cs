using LspCopilot.Completion;
using LspCopilot.Server.Stats;
using LspCopilot.TestSupport;

namespace LspCopilot.Server.Tests.Stats;

/// <summary>The local statistics store: JSON lines on disk, bounded and rotated, and harmless when it cannot be written.</summary>
public sealed class StatsStoreTests
{
    private static StatsEvent Served(int i) => new() { Kind = StatsKinds.Served, Id = $"id{i:D4}", Timestamp = 1_000 + i, Editor = "ed", Language = "csharp", Model = "m.gguf", LatencyMs = i, Chars = 10 };

    [Fact]
    public async Task Append_ThenReadAll_ReturnsTheEventsInOrder()
    {
        using var folder = new TempFolder();
        var store = new StatsStore(Path.Combine(folder.Path, "state"));

        for (var i = 0; i < 3; i++)
        {
            store.Append(Served(i), null);
        }

        await store.FlushAsync();
        var events = store.ReadAll(out var problem);

        Assert.Null(problem);
        Assert.Equal(["id0000", "id0001", "id0002"], events.Select(e => e.Id));
        Assert.Equal(2, events[2].LatencyMs);
    }

    [Fact]
    public async Task Append_PastTheBound_RotatesAndNeverHoldsMoreThanTwoFiles()
    {
        using var folder = new TempFolder();
        var store = new StatsStore(folder.Path, maxFileBytes: 1024);

        for (var i = 0; i < 200; i++)
        {
            store.Append(Served(i), null);
        }

        await store.FlushAsync();
        var events = store.ReadAll(out _);

        Assert.True(File.Exists(store.RotatedFilePath), "the full file was rotated");
        Assert.True(new FileInfo(store.FilePath).Length <= 1024);
        Assert.True(new FileInfo(store.RotatedFilePath).Length <= 1024);
        Assert.Equal(["events.1.jsonl", "events.jsonl"], Directory.GetFiles(folder.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal("id0199", events[^1].Id); // the newest kept, the oldest gone
        Assert.DoesNotContain(events, e => e.Id == "id0000");
        Assert.Equal(events.Select(e => e.Id).Order(StringComparer.Ordinal), events.Select(e => e.Id)); // still oldest first
    }

    [Fact]
    public async Task Append_FolderCannotBeCreated_WarnsOnceAndWritesNothingMore()
    {
        using var folder = new TempFolder();
        var blocker = folder.File("not-a-folder");
        File.WriteAllText(blocker, "a file where the state folder should be");
        var log = new StringWriter();
        var store = new StatsStore(Path.Combine(blocker, "lspcopilot"));

        for (var i = 0; i < 5; i++)
        {
            store.Append(Served(i), new ServerLog(LogLevel.Info, log));
        }

        await store.FlushAsync();

        Assert.True(store.Failed);
        var warnings = log.ToString().Split('\n').Where(l => l.Contains("Acceptance statistics are off", StringComparison.Ordinal)).ToList();
        Assert.Single(warnings);
        Assert.Contains("Completions are not affected", warnings[0], StringComparison.Ordinal);
        Assert.Empty(store.ReadAll(out _));
    }

    [Fact]
    public async Task Append_DiskFull_WarnsOnce()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux() && File.Exists("/dev/full"), "Needs Linux's /dev/full to simulate a full disk.");
        using var folder = new TempFolder();
        var store = new StatsStore(folder.Path);
        File.CreateSymbolicLink(store.FilePath, "/dev/full"); // every write fails with ENOSPC
        var log = new StringWriter();

        store.Append(Served(1), new ServerLog(LogLevel.Info, log));
        store.Append(Served(2), new ServerLog(LogLevel.Info, log));
        await store.FlushAsync();

        Assert.True(store.Failed);
        Assert.Single(log.ToString().Split('\n'), l => l.Contains("Acceptance statistics are off", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Append_ReadOnlyFolder_WarnsOnce()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows() || Environment.UserName == "root", "A read-only folder stops writes only for a non-root user on Unix (root: see the /dev/full test).");
        using var folder = new TempFolder();
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(folder.Path, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        }

        try
        {
            var log = new StringWriter();
            var store = new StatsStore(folder.Path);
            store.Append(Served(1), new ServerLog(LogLevel.Info, log));
            await store.FlushAsync();

            Assert.True(store.Failed);
            Assert.Contains("Acceptance statistics are off", log.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(folder.Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }
    }

    [Fact]
    public void ReadAll_TornOrForeignLines_AreSkipped()
    {
        using var folder = new TempFolder();
        var store = new StatsStore(folder.Path);
        File.WriteAllText(store.FilePath, "{\"kind\":\"served\",\"id\":\"a\",\"ts\":1}\n{\"kind\":\"serv\n[1,2]\n{\"kind\":\"shown\",\"id\":\"a\",\"ts\":2}\n");

        var events = store.ReadAll(out var problem);

        Assert.Null(problem);
        Assert.Equal([StatsKinds.Served, StatsKinds.Shown], events.Select(e => e.Kind));
    }

    [Fact]
    public void ReadAll_Unreadable_SaysWhy()
    {
        using var folder = new TempFolder();
        var store = new StatsStore(folder.Path);
        Directory.CreateDirectory(store.FilePath); // a folder where the file should be

        var events = store.ReadAll(out var problem);

        Assert.Empty(events);
        Assert.NotNull(problem);
        Assert.Contains(store.FilePath, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void DefaultFolder_FollowsXdgStateHome()
    {
        // TestEnvironment.Isolate pointed XDG_STATE_HOME at a temp folder for this process.
        var xdg = Environment.GetEnvironmentVariable("XDG_STATE_HOME");
        Assert.False(string.IsNullOrEmpty(xdg));
        Assert.Equal(Path.Combine(xdg, "lspcopilot"), StatsStore.DefaultFolder());
    }
}
