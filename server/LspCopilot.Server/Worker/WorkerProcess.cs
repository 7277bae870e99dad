using System.Diagnostics;
using System.Globalization;
using LspCopilot.Completion;

namespace LspCopilot.Server.Worker;

/// <summary>
/// A worker child process on our end of its stdin/stdout. Its stderr (its log, and whatever native
/// code or the runtime prints as it dies) is forwarded to our log, marked "worker:". Disposing closes
/// its stdin, which makes it exit; it is killed if it does not.
/// </summary>
public sealed class WorkerProcess : IWorkerChannel
{
    private const int KeptLines = 20;

    private readonly Process _process;
    private readonly ServerLog _log;
    private readonly Queue<string> _lastLines = new();
    private int _disposed;

    private readonly Func<int, IReadOnlyList<string>, string?>? _describeExit;

    private WorkerProcess(Process process, ServerLog log, Func<int, IReadOnlyList<string>, string?>? describeExit)
    {
        _process = process;
        _log = log;
        _describeExit = describeExit;
        process.ErrorDataReceived += (_, e) => Forward(e.Data);
        process.BeginErrorReadLine();
    }

    public Stream Send => _process.StandardInput.BaseStream;

    public Stream Receive => _process.StandardOutput.BaseStream;

    public int? ProcessId => _process.Id;

    /// <summary>
    /// Starts <c>lspcopilot worker --stdio</c> with our log level. <paramref name="describeExit"/> may say what an
    /// exit code means for this way of starting it (e.g. ssh's 255), given the last lines the process printed.
    /// </summary>
    public static WorkerProcess Start(WorkerLaunch launch, ServerLog log, Func<int, IReadOnlyList<string>, string?>? describeExit = null)
    {
        var info = launch.StartInfo(["worker", "--stdio", "--log-level", log.Minimum.ToString().ToLowerInvariant()]);
        var process = Process.Start(info) ?? throw new InvalidOperationException($"'{launch.FileName}' did not start.");
        log.Debug($"Started the inference worker, process {process.Id}.");
        return new WorkerProcess(process, log, describeExit);
    }

    public async Task<string> DescribeEndAsync(TimeSpan wait)
    {
        try
        {
            await _process.WaitForExitAsync().WaitAsync(wait).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return "stopped answering (its process is still running)";
        }

        return _describeExit?.Invoke(_process.ExitCode, LastOutput) ?? DescribeExit(_process.ExitCode);
    }

    /// <summary>The last lines the worker printed that were not its own log (a runtime or native crash report).</summary>
    public IReadOnlyList<string> LastOutput
    {
        get
        {
            lock (_lastLines)
            {
                return [.. _lastLines];
            }
        }
    }

    internal static string DescribeExit(int exitCode)
    {
        // .NET reports a child killed by signal N as 128 + N on Unix.
        if (!OperatingSystem.IsWindows() && exitCode is > 128 and < 160)
        {
            var signal = exitCode - 128;
            var name = signal switch
            {
                6 => " (SIGABRT: an abort, e.g. a native crash or out of memory)",
                9 => " (SIGKILL: killed, e.g. by the out-of-memory killer)",
                11 => " (SIGSEGV: a native crash)",
                7 => " (SIGBUS: a native crash)",
                15 => " (SIGTERM)",
                _ => string.Empty,
            };
            return $"was killed by signal {signal.ToString(CultureInfo.InvariantCulture)}{name}";
        }

        return $"exited with code {exitCode.ToString(CultureInfo.InvariantCulture)}";
    }

    private void Forward(string? line)
    {
        if (string.IsNullOrEmpty(line))
        {
            return;
        }

        // Lines of the worker's ServerLog look like "[12:34:56.789 info] message".
        var close = line.IndexOf("] ", StringComparison.Ordinal);
        if (line.StartsWith('[') && close > 5)
        {
            var level = line.AsSpan(close - 4, 4) switch
            {
                "trce" => LogLevel.Trace,
                "dbug" => LogLevel.Debug,
                "info" => LogLevel.Info,
                "warn" => LogLevel.Warning,
                "fail" => LogLevel.Error,
                _ => (LogLevel?)null,
            };
            if (level is { } known)
            {
                _log.Write(known, "worker: " + line[(close + 2)..]);
                return;
            }
        }

        lock (_lastLines)
        {
            if (_lastLines.Count == KeptLines)
            {
                _lastLines.Dequeue();
            }

            _lastLines.Enqueue(line);
        }

        _log.Debug("worker: " + line);
    }

    public void Abandon()
    {
        try
        {
            _log.Warning($"Killing the inference worker (process {_process.Id}).");
            _process.Kill(entireProcessTree: true);
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            // Already gone.
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            try
            {
                _process.StandardInput.Close();
            }
            catch (Exception ex) when (ex is ObjectDisposedException or IOException)
            {
                // The connection closed it already (the worker is exiting); wait for that all the same.
            }

            if (!_process.WaitForExit(TimeSpan.FromSeconds(5)))
            {
                _log.Warning($"The inference worker (process {_process.Id}) did not exit; killing it.");
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(TimeSpan.FromSeconds(5));
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or System.ComponentModel.Win32Exception)
        {
            // Already gone.
        }
        finally
        {
            _process.Dispose();
        }
    }
}
