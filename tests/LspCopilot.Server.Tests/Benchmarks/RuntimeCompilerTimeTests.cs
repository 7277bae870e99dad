using LspCopilot.Server.Benchmarks;

namespace LspCopilot.Server.Tests.Benchmarks;

public sealed class RuntimeCompilerTimeTests
{
    [Fact]
    public void CpuTicks_AddsUserAndSystemTime_EvenWhenTheThreadNameHoldsSpacesAndParentheses()
    {
        // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime ...
        Assert.Equal(42, RuntimeCompilerTime.CpuTicks(Stat(".NET Tiered (x) Com", 37, 5)));
    }

    [Fact]
    public void Snapshot_KeepsOnlyTheRuntimesCompilerThreads()
    {
        var tasks = Directory.CreateTempSubdirectory("lspcopilot-tasks-").FullName;
        try
        {
            Thread(tasks, "101", ".NET Tiered Com", 30, 4);
            Thread(tasks, "102", "llama_engine", 900, 10);
            Thread(tasks, "103", ".NET TP Worker", 50, 1);
            Thread(tasks, "104", ".NET Tiered Com", 2, 0);

            var threads = RuntimeCompilerTime.Snapshot(tasks);

            Assert.NotNull(threads);
            Assert.Equal(new Dictionary<string, long> { ["101"] = 34, ["104"] = 2 }, threads);
        }
        finally
        {
            Directory.Delete(tasks, recursive: true);
        }
    }

    [Fact]
    public void Snapshot_IsNullWithoutProc()
    {
        Assert.Null(RuntimeCompilerTime.Snapshot(Path.Combine(Path.GetTempPath(), "lspcopilot-no-such-proc-" + Guid.NewGuid().ToString("N"))));
    }

    [Fact]
    public void Since_ReadsThisProcessOnLinux()
    {
        var before = RuntimeCompilerTime.Snapshot();
        if (!OperatingSystem.IsLinux())
        {
            Assert.Null(before);
            return;
        }

        Assert.NotNull(before);
        Assert.True(RuntimeCompilerTime.Since(before) >= TimeSpan.Zero);
        Assert.Null(RuntimeCompilerTime.Since(null));
    }

    private static void Thread(string tasks, string id, string name, long user, long system)
    {
        var folder = Directory.CreateDirectory(Path.Combine(tasks, id)).FullName;
        File.WriteAllText(Path.Combine(folder, "comm"), name + "\n");
        File.WriteAllText(Path.Combine(folder, "stat"), Stat(name, user, system).Replace("4242", id, StringComparison.Ordinal));
    }

    private static string Stat(string name, long user, long system) =>
        $"4242 ({name}) S 1 4242 4242 0 -1 4194368 120 0 0 0 {user} {system} 0 0 20 0 14 0 100 0 0";
}
