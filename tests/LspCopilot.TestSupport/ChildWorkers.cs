using LspCopilot.Completion;
using LspCopilot.Server.Worker;

namespace LspCopilot.TestSupport;

/// <summary>Real worker child processes of the built server, and requests that exercise them.</summary>
public static class ChildWorkers
{
    /// <summary>A text that, in a prefix, makes a worker started with <see cref="AbortingEnvironment"/> abort.</summary>
    public const string AbortMarker = "ABORT-THE-WORKER-NOW";

    public static IReadOnlyDictionary<string, string?> AbortingEnvironment { get; } =
        new Dictionary<string, string?> { [WorkerHost.TestAbortVariable] = AbortMarker };

    /// <summary>Fast restarts, so tests do not wait out the production backoff.</summary>
    public static SupervisorOptions QuickRestarts { get; } = new() { FirstRestartDelay = TimeSpan.FromMilliseconds(50), MaxRestartDelay = TimeSpan.FromMilliseconds(200) };

    public static ServerLog Log
    {
        get
        {
            // LSPCOPILOT_TEST_LOG=debug shows the supervisor's and the worker's log on stderr.
            var level = Environment.GetEnvironmentVariable("LSPCOPILOT_TEST_LOG");
            return string.IsNullOrEmpty(level) ? ServerLog.Silent : new ServerLog(ServerLog.Parse(level));
        }
    }

    public static WorkerLaunch Launch(IReadOnlyDictionary<string, string?>? environment = null) =>
        WorkerLaunch.ForThisProgram() with { Environment = environment };

    public static SupervisedEngine Start(string modelPath, IReadOnlyDictionary<string, string?>? environment = null, EngineOptions? options = null)
    {
        var log = Log;
        return SupervisedEngine.Start(new WorkerProcessConnector(Launch(environment), log), (options ?? new EngineOptions()) with { ModelPath = modelPath }, log, QuickRestarts);
    }

    /// <summary>Inside a method body: the FIM model writes until the context is full, seconds of work.</summary>
    public static CompletionRequest Endless(string prefixExtra = "") =>
        new("class Story\n{\n    void Tell()\n    {\n        " + prefixExtra, "\n    }\n}\n", CompletionMode.MultiLine)
        {
            Generation = new GenerationOptions { MaxTokens = 100_000 },
        };

    public static CompletionRequest Short(string prefix = "Once upon a time, there was a little") =>
        new(prefix, string.Empty, CompletionMode.MultiLine) { Generation = new GenerationOptions { MaxTokens = 12 } };

    public static bool HasExited(int processId)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(processId);
            return process.HasExited;
        }
        catch (ArgumentException)
        {
            return true;
        }
    }

    public static void Kill9(int processId)
    {
        using var process = System.Diagnostics.Process.GetProcessById(processId);
        process.Kill(); // SIGKILL on Unix
    }

    /// <summary>Stops a process (SIGSTOP) the way a debugger or a frozen machine would: it neither runs nor dies.</summary>
    public static void Freeze(int processId) => Signal("STOP", processId);

    /// <summary>Lets a frozen process run again (SIGCONT); harmless when it is gone.</summary>
    public static void Thaw(int processId) => Signal("CONT", processId);

    private static void Signal(string signal, int processId)
    {
        using var kill = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("kill", $"-{signal} {processId}") { RedirectStandardError = true })!;
        kill.WaitForExit();
    }
}
