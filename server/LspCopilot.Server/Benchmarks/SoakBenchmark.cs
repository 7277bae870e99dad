using System.Diagnostics;
using System.Globalization;
using LspCopilot.Completion;
using LspCopilot.Engine;
using LspCopilot.Server.Benchmarks.Soak;
using LspCopilot.Server.Protocol;
using LspCopilot.Server.Worker;

namespace LspCopilot.Server.Benchmarks;

/// <summary>
/// <c>bench --suite soak</c>: the real server, as a child process with its worker, typed into for
/// minutes as an editor does it. Each keystroke (10 a second) is a didChange, a $/cancelRequest for the
/// previous inline request if it is still unanswered, and a new textDocument/inlineCompletion. Reports
/// whether every request was answered, errors other than cancellation, latency, and how the resident
/// memory of the server and the worker grew between the second and the last third of the run. It
/// reports figures and never fails on them; it fails only when it cannot run.
/// </summary>
public static class SoakBenchmark
{
    private static readonly TimeSpan s_keystroke = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan s_progressEvery = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan s_stragglers = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan s_lateFollowUp = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan s_startup = TimeSpan.FromSeconds(120);

    // The first suggestion decodes the whole prompt, then may be compile-checked and sampled twice more:
    // minutes on a busy 2-core machine.
    private static readonly TimeSpan s_firstAnswer = TimeSpan.FromSeconds(600);

    public static async Task<int> RunAsync(string? modelPath, TimeSpan duration, bool json, CancellationToken ct)
    {
        string model;
        try
        {
            model = ModelFileCheck.Validate(modelPath);
        }
        catch (ModelLoadException ex)
        {
            await Console.Error.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
            return 3;
        }

        var folder = Directory.CreateTempSubdirectory("lspcopilot-soak-");
        var logPath = Path.Combine(Path.GetTempPath(), $"lspcopilot-soak-{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}.log");
        var info = WorkerLaunch.ForThisProgram().StartInfo(["--stdio", "--model", model, "--log-level", "debug"]);
        info.WorkingDirectory = folder.FullName;
        info.Environment["XDG_STATE_HOME"] = Path.Combine(folder.FullName, "state"); // its suggestions stay out of the user's statistics
        using var process = Process.Start(info);
        if (process is null)
        {
            await Console.Error.WriteLineAsync($"error: could not start the server ({info.FileName}).").ConfigureAwait(false);
            return 4;
        }

        try
        {
            var report = await SoakAsync(process, folder.FullName, model, logPath, duration, ct).ConfigureAwait(false);
            if (report is null)
            {
                return 4;
            }

            Console.WriteLine(json ? report.ToJson() : report.ToTable());
            return 0;
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            try
            {
                folder.Delete(recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static async Task<BenchReport?> SoakAsync(Process process, string folder, string model, string logPath, TimeSpan duration, CancellationToken ct)
    {
        var soakClock = new Stopwatch();
        var stderr = new ServerStderr(process.StandardError, logPath, () => soakClock.Elapsed.TotalSeconds);
        var client = new LspProcessClient(process.StandardInput.BaseStream, process.StandardOutput.BaseStream);
        var (text, spots) = SoakWorkspace.Write(folder);
        var folderUri = new Uri(folder + Path.DirectorySeparatorChar).AbsoluteUri;
        var uri = new Uri(Path.Combine(folder, SoakWorkspace.ServicePath)).AbsoluteUri;
        var loadStart = ReadLoadAverage();
        await Progress($"Soak: server process {process.Id.ToString(CultureInfo.InvariantCulture)}, log {logPath}; loading {Path.GetFileName(model)}…").ConfigureAwait(false);

        var typist = new SoakTypist(text, spots, SoakWorkspace.Statements);
        try
        {
            var initialized = await client.RequestAsync(LspMethods.Initialize, new
            {
                processId = Environment.ProcessId,
                rootUri = folderUri,
                workspaceFolders = new[] { new { uri = folderUri, name = "soak" } },
                capabilities = new { textDocument = new { inlineCompletion = new { } } },
            }, s_startup).ConfigureAwait(false);
            if (initialized.IsError)
            {
                await Console.Error.WriteLineAsync("error: initialize failed: " + initialized.ErrorMessage).ConfigureAwait(false);
                return null;
            }

            await client.NotifyAsync(LspMethods.Initialized, new { }).ConfigureAwait(false);
            await client.NotifyAsync(LspMethods.DidOpen, new { textDocument = new { uri, languageId = "csharp", version = 1, text } }).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException or IOException or EndOfStreamException)
        {
            await Console.Error.WriteLineAsync($"error: the server did not start ({ex.Message}); its log is {logPath}.").ConfigureAwait(false);
            return null;
        }

        try
        {
            // One answered request before the clock starts: the model is loaded and the workspace has had its chance to load.
            var warm = await client.RequestAsync(LspMethods.InlineCompletion, Inline(uri, typist.Cursor), s_firstAnswer).ConfigureAwait(false);
            if (warm.IsError)
            {
                await Console.Error.WriteLineAsync("error: the first inline request failed: " + warm.ErrorMessage).ConfigureAwait(false);
                return null;
            }
        }
        catch (Exception ex) when (ex is TimeoutException or IOException or EndOfStreamException)
        {
            await Console.Error.WriteLineAsync($"error: the first inline request got no answer ({ex.Message}); the server's log is {logPath}.").ConfigureAwait(false);
            return null;
        }

        await Progress($"Typing at 10 keys/s for {duration.TotalSeconds:F0} s (worker process {stderr.WorkerPid.ToString(CultureInfo.InvariantCulture)})…").ConfigureAwait(false);
        var memory = new SoakMemory();
        using var stopSampling = CancellationTokenSource.CreateLinkedTokenSource(ct);
        soakClock.Start();
        var sampler = SampleAsync(process.Id, stderr, memory, soakClock, stopSampling.Token);
        var requests = new SoakRequests();
        var (keystrokes, cancels, stoppedBy) = await TypeAsync(client, typist, uri, requests, duration, soakClock, memory, ct).ConfigureAwait(false);
        var typed = soakClock.Elapsed;
        await stopSampling.CancelAsync().ConfigureAwait(false);
        await sampler.ConfigureAwait(false);

        await Progress($"Stopped typing after {typed.TotalSeconds:F0} s; waiting up to {s_stragglers.TotalSeconds:F0} s for the last answers…").ConfigureAwait(false);
        await requests.WaitForAllAsync(s_stragglers).ConfigureAwait(false);
        var tally = requests.Tally();
        if (tally.Unanswered > 0)
        {
            await Progress($"{tally.Unanswered} request(s) unanswered; following them for up to {s_lateFollowUp.TotalSeconds:F0} s more…").ConfigureAwait(false);
        }

        var late = await requests.FollowUnansweredAsync(s_lateFollowUp).ConfigureAwait(false);
        var exit = await ShutDownAsync(client, process).ConfigureAwait(false);
        try
        {
            // The whole log on disk before the report names it.
            await stderr.Completion.WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }

        var report = new BenchReport();
        report.Facts["model"] = Path.GetFileName(model);
        report.Facts["soak_seconds"] = typed.TotalSeconds.ToString("F0", CultureInfo.InvariantCulture);
        report.Facts["load_average_start"] = loadStart;
        report.Facts["load_average_end"] = ReadLoadAverage();
        report.Facts["server_log"] = logPath;
        report.Facts["server_exit"] = exit;
        if (stoppedBy is not null)
        {
            report.Facts["stopped_early"] = stoppedBy;
        }

        if (tally.OtherErrorMessages.Count > 0)
        {
            report.Facts["error_messages"] = string.Join(" | ", tally.OtherErrorMessages.Take(5).Select(e => $"{e.Error} (x{e.Count.ToString(CultureInfo.InvariantCulture)})"));
        }

        if (late.Count > 0)
        {
            // Counted as unanswered above; this says whether they were slow or lost.
            report.Facts["unanswered_then"] = string.Join(" | ", late);
        }

        if (stderr.Problems.Count > 0)
        {
            report.Facts["first_logged_problem"] = stderr.Problems[0];
        }

        report.Metrics["last_request_s"] = requests.LastAnswerSeconds;
        Fill(report, tally, keystrokes, cancels, client.UnmatchedAnswers, stderr, memory, typed.TotalSeconds);
        return report;
    }

    private static void Fill(BenchReport report, SoakTally tally, int keystrokes, int cancels, int unmatched, ServerStderr stderr, SoakMemory memory, double seconds)
    {
        var (serverRss, workerRss) = (memory.Server, memory.Worker);
        var m = report.Metrics;
        m["keystrokes"] = keystrokes;
        m["requests"] = tally.Requests;
        m["answered"] = tally.Answered;
        m["answered_with_result"] = tally.Results;
        m["cancelled"] = tally.Cancelled;
        m["cancelled_request_cancelled"] = tally.RequestCancelled;
        m["cancelled_content_modified"] = tally.ContentModified;
        m["cancel_notifications_sent"] = cancels;
        m["answers_without_request"] = unmatched;
        m["latency_p50_ms"] = tally.Latency.P50;
        m["latency_p95_ms"] = tally.Latency.Ms(95);
        m["server_rss_mb_30s"] = serverRss.At(30);
        m["server_rss_mb_end"] = serverRss.Last;
        m["worker_rss_mb_30s"] = workerRss.At(30);
        m["worker_rss_mb_end"] = workerRss.Last;
        m["server_rss_anon_growth_mb"] = memory.ServerAnonymous.Growth(seconds);
        m["server_rss_file_growth_mb"] = memory.ServerFile.Growth(seconds);
        m["server_gc_heap_mb_end"] = stderr.ServerHeap.Where(h => h.Seconds <= seconds).Select(h => h.Mb).DefaultIfEmpty(double.NaN).Last();
        m["server_gc_heap_growth_mb"] = MemorySeries.Growth(stderr.ServerHeap, seconds);
        m["worker_gc_heap_growth_mb"] = MemorySeries.Growth(stderr.WorkerHeap, seconds);
        m["worker_starts"] = stderr.WorkerStarts;
        m["log_warnings"] = stderr.Warnings;
        m["log_errors"] = stderr.Errors;

        report.Row($"inline requests answered with a result ({tally.Results} of {tally.Requests})", tally.Latency.P50, null, $"latency p50; p95 {tally.Latency.Ms(95):F1} ms");
        report.Row($"cancelled: {tally.RequestCancelled} RequestCancelled, {tally.ContentModified} ContentModified", null, null);
        report.Row($"server RSS {serverRss.At(30):F0} MB at 30 s, {serverRss.Last:F0} MB at the end", null, null, $"GC heap at the end {m["server_gc_heap_mb_end"]:F0} MB");
        report.Row($"worker RSS {workerRss.At(30):F0} MB at 30 s, {workerRss.Last:F0} MB at the end", null, null);
        report.Row("growth = median RSS over the last third − over the second third", null, null);
        report.Ratio("server_rss_growth_mb", serverRss.Growth(seconds), goal: 5, higherIsBetter: false);
        report.Ratio("worker_rss_growth_mb", workerRss.Growth(seconds), goal: 5, higherIsBetter: false);
        report.Ratio("unanswered_requests", tally.Unanswered, goal: 0, higherIsBetter: false);
        report.Ratio("errors_other_than_cancelled", tally.OtherErrors, goal: 0, higherIsBetter: false);
    }

    /// <summary>Keystrokes at a steady 10 a second until <paramref name="duration"/>; a late tick is not made up for with a burst.</summary>
    private static async Task<(int Keystrokes, int Cancels, string? StoppedBy)> TypeAsync(
        LspProcessClient client, SoakTypist typist, string uri, SoakRequests requests, TimeSpan duration, Stopwatch clock, SoakMemory memory, CancellationToken ct)
    {
        var version = 1;
        var keystrokes = 0;
        var cancels = 0;
        var next = TimeSpan.Zero;
        var nextProgress = s_progressEvery;
        (long Id, Task<LspAnswer> Answer)? previous = null;
        try
        {
            while (clock.Elapsed < duration)
            {
                var wait = next - clock.Elapsed;
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, ct).ConfigureAwait(false);
                }
                else if (wait < -s_keystroke * 10)
                {
                    next = clock.Elapsed;
                }

                next += s_keystroke;
                var key = typist.Next();
                await client.NotifyAsync(LspMethods.DidChange, new
                {
                    textDocument = new { uri, version = ++version },
                    contentChanges = new[] { new { range = key.Range, text = key.Text } },
                }).ConfigureAwait(false);
                keystrokes++;
                if (previous is { Answer.IsCompleted: false } unanswered)
                {
                    await client.NotifyAsync(LspMethods.CancelRequest, new { id = unanswered.Id }).ConfigureAwait(false);
                    cancels++;
                }

                var sent = Stopwatch.GetTimestamp();
                var request = await client.StartRequestAsync(LspMethods.InlineCompletion, Inline(uri, key.Cursor)).ConfigureAwait(false);
                requests.Add(request.Id, sent, request.Answer);
                previous = request;

                if (clock.Elapsed >= nextProgress)
                {
                    nextProgress += s_progressEvery;
                    await Progress(string.Create(CultureInfo.InvariantCulture, $"  {clock.Elapsed.TotalSeconds:F0} s: {keystrokes} keystrokes, {requests.Count} requests; RSS server {memory.Server.Last:F1} MB, worker {memory.Worker.Last:F1} MB")).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException)
        {
            return (keystrokes, cancels, "interrupted");
        }
        catch (IOException ex)
        {
            return (keystrokes, cancels, "the server stopped reading: " + ex.Message);
        }

        return (keystrokes, cancels, null);
    }

    /// <summary>The series sampled once a second.</summary>
    private sealed class SoakMemory
    {
        public MemorySeries Server { get; } = new();

        public MemorySeries ServerAnonymous { get; } = new();

        public MemorySeries ServerFile { get; } = new();

        public MemorySeries Worker { get; } = new();
    }

    private static object Inline(string uri, Position position) => new
    {
        textDocument = new { uri },
        position,
        context = new { triggerKind = 2 },
    };

    /// <summary>RSS of the server and of its worker (whichever process that is now) once a second.</summary>
    private static async Task SampleAsync(int serverPid, ServerStderr stderr, SoakMemory memory, Stopwatch clock, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            do
            {
                var now = clock.Elapsed.TotalSeconds;
                var server = MemorySeries.Resident(serverPid);
                memory.Server.Add(now, server?.Total);
                memory.ServerAnonymous.Add(now, server?.Anonymous);
                memory.ServerFile.Add(now, server?.File);
                memory.Worker.Add(now, MemorySeries.ResidentMb(stderr.WorkerPid));
            }
            while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false));
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>shutdown and exit, as an editor closes; returns how the server ended.</summary>
    private static async Task<string> ShutDownAsync(LspProcessClient client, Process process)
    {
        try
        {
            await client.RequestAsync(LspMethods.Shutdown, null, TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            await client.NotifyAsync(LspMethods.Exit, null).ConfigureAwait(false);
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            return "exit code " + process.ExitCode.ToString(CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is TimeoutException or IOException or EndOfStreamException)
        {
            return process.HasExited ? "exit code " + process.ExitCode.ToString(CultureInfo.InvariantCulture) : "did not exit after shutdown and exit: killed";
        }
    }

    private static string ReadLoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    private static Task Progress(string line) => Console.Error.WriteLineAsync(line);
}
