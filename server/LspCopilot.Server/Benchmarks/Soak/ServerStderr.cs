using System.Globalization;
using System.Text.RegularExpressions;
using LspCopilot.Server.Hosting;

namespace LspCopilot.Server.Benchmarks.Soak;

/// <summary>
/// Reads the language server's stderr (its debug log, the worker's forwarded as "worker: …") into a
/// file, and picks out what the soak reports: the worker's process id (it changes when the worker is
/// restarted), warnings and errors, and the managed heap of both processes (<see cref="MemoryLog"/>).
/// </summary>
internal sealed partial class ServerStderr
{
    private const int KeptProblems = 20;

    private readonly object _lock = new();
    private readonly List<string> _problems = [];
    private readonly List<(double Seconds, double Mb)> _serverHeap = [];
    private readonly List<(double Seconds, double Mb)> _workerHeap = [];
    private readonly Func<double> _clock;
    private int _workerPid;
    private int _workerStarts;
    private int _warnings;
    private int _errors;

    public ServerStderr(StreamReader stderr, string logPath, Func<double> clock)
    {
        _clock = clock;
        Completion = Task.Run(() => ReadAsync(stderr, logPath));
    }

    /// <summary>Completes when the server closes its stderr.</summary>
    public Task Completion { get; }

    /// <summary>The worker's process id as last logged; 0 before it starts.</summary>
    public int WorkerPid => Volatile.Read(ref _workerPid);

    public int WorkerStarts => Volatile.Read(ref _workerStarts);

    public int Warnings => Volatile.Read(ref _warnings);

    public int Errors => Volatile.Read(ref _errors);

    /// <summary>The first warnings and errors logged, as written.</summary>
    public IReadOnlyList<string> Problems
    {
        get
        {
            lock (_lock)
            {
                return [.. _problems];
            }
        }
    }

    /// <summary>The server's managed heap (MB) after collections, by seconds since the soak began.</summary>
    public IReadOnlyList<(double Seconds, double Mb)> ServerHeap
    {
        get
        {
            lock (_lock)
            {
                return [.. _serverHeap];
            }
        }
    }

    public IReadOnlyList<(double Seconds, double Mb)> WorkerHeap
    {
        get
        {
            lock (_lock)
            {
                return [.. _workerHeap];
            }
        }
    }

    private async Task ReadAsync(StreamReader stderr, string logPath)
    {
        await using var file = new StreamWriter(logPath, append: false) { AutoFlush = false };
        while (await stderr.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            await file.WriteLineAsync(line).ConfigureAwait(false);
            Take(line);
        }
    }

    private void Take(string line)
    {
        if (WorkerStarted().Match(line) is { Success: true } started)
        {
            Volatile.Write(ref _workerPid, int.Parse(started.Groups[1].ValueSpan, CultureInfo.InvariantCulture));
            Interlocked.Increment(ref _workerStarts);
        }
        else if (HeapLine().Match(line) is { Success: true } heap)
        {
            var mb = double.Parse(heap.Groups[2].ValueSpan, CultureInfo.InvariantCulture);
            lock (_lock)
            {
                (heap.Groups[1].Success ? _workerHeap : _serverHeap).Add((_clock(), mb));
            }
        }

        var warning = line.Contains(" warn] ", StringComparison.Ordinal);
        var error = line.Contains(" fail] ", StringComparison.Ordinal);
        if (warning || error)
        {
            Interlocked.Increment(ref warning ? ref _warnings : ref _errors);
            lock (_lock)
            {
                if (_problems.Count < KeptProblems)
                {
                    _problems.Add(line);
                }
            }
        }
    }

    [GeneratedRegex(@"Started the inference worker, process (\d+)\.")]
    private static partial Regex WorkerStarted();

    [GeneratedRegex(@"\] (worker: )?Memory: rss [\d.]+ MB, gc heap ([\d.]+) MB")]
    private static partial Regex HeapLine();
}
