using System.Diagnostics;
using System.Text.RegularExpressions;
using System.Text;

namespace LspCopilot.TestSupport;

/// <summary>The built lspcopilot run as a process with a chosen environment; stdout lines and stderr captured.</summary>
public sealed partial class LspCopilotProcess : IAsyncDisposable
{
    private readonly StringBuilder _stderr = new();

    private LspCopilotProcess(Process process, bool readStdout)
    {
        Process = process;
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (_stderr)
                {
                    _stderr.AppendLine(e.Data);
                }
            }
        };
        process.BeginErrorReadLine();
        if (readStdout)
        {
            process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is not null)
                {
                    StdoutLines.Writer.TryWrite(e.Data);
                }
            };
            process.BeginOutputReadLine();
        }
    }

    public Process Process { get; }

    public System.Threading.Channels.Channel<string> StdoutLines { get; } = System.Threading.Channels.Channel.CreateUnbounded<string>();

    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>Starts lspcopilot; <paramref name="readStdout"/> false leaves stdout to the caller (LSP frames).</summary>
    public static LspCopilotProcess Start(IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? environment = null, bool readStdout = true)
    {
        var dll = RepoPaths.ServerDll;
        Assert.True(File.Exists(dll), $"Build the server first: {dll} is missing.");
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(dll);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment.Remove("LSPCOPILOT_MODEL");
        info.Environment.Remove("LSPCOPILOT_TOKEN");
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            info.Environment[name] = value;
        }

        return new LspCopilotProcess(Process.Start(info)!, readStdout);
    }

    /// <summary>Starts a shared worker on a free loopback port and returns it once it listens.</summary>
    public static async Task<(LspCopilotProcess Worker, int Port)> StartSharedWorkerAsync(string model, IReadOnlyDictionary<string, string?>? environment = null, IEnumerable<string>? moreArguments = null)
    {
        var worker = Start(["worker", "--listen", "127.0.0.1:0", "--model", model, "--log-level", "debug", .. moreArguments ?? []], environment);
        try
        {
            return (worker, await worker.WaitForListeningAsync());
        }
        catch (InvalidOperationException)
        {
            await worker.DisposeAsync();
            throw;
        }
    }

    /// <summary>The port of the next "listening" line a shared worker prints on stdout (it prints one each time it starts listening).</summary>
    /// <param name="pattern">The line to wait for, its port in group 1 (default: the shared worker's).</param>
    public async Task<int> WaitForListeningAsync(Regex? pattern = null)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            while (true)
            {
                var line = await StdoutLines.Reader.ReadAsync(deadline.Token);
                if ((pattern ?? ListeningLine()).Match(line) is { Success: true } match)
                {
                    return int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or System.Threading.Channels.ChannelClosedException)
        {
            throw new InvalidOperationException("The worker did not start listening: " + Stderr, ex);
        }
    }

    /// <summary>The worker child of a language server started with --log-level debug.</summary>
    public async Task<int> WaitForWorkerProcessIdAsync(int after = 0)
    {
        for (var i = 0; i < 600; i++)
        {
            var ids = StartedWorker().Matches(Stderr).Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).ToList();
            if (ids.Count > after)
            {
                return ids[after];
            }

            await Task.Delay(100);
        }

        throw new InvalidOperationException("No worker process was started: " + Stderr);
    }

    public async Task<int> WaitForExitAsync()
    {
        await Process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Process.WaitForExit();
        return Process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
            await Process.WaitForExitAsync();
        }

        Process.Dispose();
    }

    [GeneratedRegex(@"listening on 127\.0\.0\.1:(\d+)")]
    private static partial Regex ListeningLine();

    [GeneratedRegex(@"Started the inference worker, process (\d+)")]
    private static partial Regex StartedWorker();
}
