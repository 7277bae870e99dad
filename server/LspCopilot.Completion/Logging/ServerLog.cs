namespace LspCopilot.Completion;

public enum LogLevel
{
    Trace,
    Debug,
    Info,
    Warning,
    Error,
    None,
}

/// <summary>
/// The server's one log: lines go to stderr (never stdout, which carries LSP frames) and, once a
/// client is attached, to window/logMessage as well.
/// </summary>
public sealed class ServerLog
{
    private readonly object _writeLock = new();
    private readonly TextWriter _stderr;
    private volatile Action<LogLevel, string>? _clientSink;

    public ServerLog(LogLevel minimum, TextWriter? stderr = null)
    {
        Minimum = minimum;
        _stderr = stderr ?? Console.Error;
    }

    public LogLevel Minimum { get; }

    /// <summary>A log that writes nothing; for tests and library callers.</summary>
    public static ServerLog Silent { get; } = new(LogLevel.None, TextWriter.Null);

    public void AttachClient(Action<LogLevel, string>? sink) => _clientSink = sink;

    public bool IsEnabled(LogLevel level) => level >= Minimum && Minimum != LogLevel.None;

    public void Trace(string message) => Write(LogLevel.Trace, message);

    public void Debug(string message) => Write(LogLevel.Debug, message);

    public void Info(string message) => Write(LogLevel.Info, message);

    public void Warning(string message) => Write(LogLevel.Warning, message);

    public void Error(string message) => Write(LogLevel.Error, message);

    public void Write(LogLevel level, string message)
    {
        if (!IsEnabled(level))
        {
            return;
        }

        var line = $"[{DateTime.Now:HH:mm:ss.fff} {Label(level)}] {message}";
        lock (_writeLock)
        {
            _stderr.WriteLine(line);
            _stderr.Flush();
        }

        _clientSink?.Invoke(level, message);
    }

    public static LogLevel Parse(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        "trace" => LogLevel.Trace,
        "debug" => LogLevel.Debug,
        "info" or "information" or null or "" => LogLevel.Info,
        "warn" or "warning" => LogLevel.Warning,
        "error" => LogLevel.Error,
        "none" or "off" => LogLevel.None,
        _ => throw new ArgumentException($"Unknown log level '{text}'. Use trace, debug, info, warning, error or none."),
    };

    private static string Label(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Info => "info",
        LogLevel.Warning => "warn",
        _ => "fail",
    };
}
