using LspCopilot.Backends.Engines;
using LspCopilot.Completion;

namespace LspCopilot.Backends.Tests;

/// <summary>Engines for tests: short limits so a fault shows in a second, not a minute.</summary>
internal static class TestBackends
{
    /// <summary>Limits short enough for tests (silence comes from the engine options' stall timeout).</summary>
    public static BackendLimits Limits { get; } = new()
    {
        Connect = TimeSpan.FromSeconds(2),
        Discovery = TimeSpan.FromSeconds(5),
        Retries = [TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(50)],
        Cooldown = TimeSpan.FromSeconds(30),
        MaxCooldown = TimeSpan.FromSeconds(60),
    };

    public static EngineOptions Options(string kind, string url, int stallSeconds = 2, Func<BackendOptions, BackendOptions>? backend = null) => new()
    {
        StallTimeoutSeconds = stallSeconds,
        Backend = (backend ?? (b => b))(new BackendOptions { Kind = kind, Endpoint = url }),
    };

    public static ModelServerEngine Create(string kind, string url, int stallSeconds = 2, Func<BackendOptions, BackendOptions>? backend = null, BackendLimits? limits = null, ServerLog? log = null) =>
        ModelServers.Create(Options(kind, url, stallSeconds, backend), log ?? ServerLog.Silent, limits ?? Limits);

    public static CompletionRequest Request(string prefix = "var name = \"world\";\n        ", string suffix = "\n    }\n}\n", CompletionMode mode = CompletionMode.SingleLine, string? context = null) =>
        new(prefix, suffix, mode) { Context = context };

    /// <summary>A log whose lines a test can read.</summary>
    public static (ServerLog Log, StringWriter Lines) Recording()
    {
        var lines = new StringWriter();
        return (new ServerLog(LogLevel.Debug, TextWriter.Synchronized(lines)), lines);
    }

    /// <summary>Waits for <paramref name="task"/>, failing the test instead of hanging when it does not end.</summary>
    public static Task<T> NoHang<T>(this Task<T> task) => task.WaitAsync(TimeSpan.FromSeconds(60));

    public static Task NoHang(this Task task) => task.WaitAsync(TimeSpan.FromSeconds(60));
}
