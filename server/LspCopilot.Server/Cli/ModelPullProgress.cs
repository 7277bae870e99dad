using System.Diagnostics;
using System.Globalization;
using LspCopilot.Engine.Models;
using Spectre.Console;

namespace LspCopilot.Server.Cli;

/// <summary>
/// Shows a download's progress: a Spectre.Console bar with size, speed and time left when stdout is
/// a terminal; otherwise a plain line on stderr every few seconds, so logs and pipes stay readable.
/// </summary>
internal static class ModelPullProgress
{
    public static bool IsInteractive => !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;

    public static Task<T> RunAsync<T>(string label, bool interactive, TextWriter stderr, Func<Action<DownloadProgress>, Task<T>> work) =>
        interactive ? RunWithBarAsync(label, work) : RunWithLinesAsync(label, stderr, work);

    private static Task<T> RunWithBarAsync<T>(string label, Func<Action<DownloadProgress>, Task<T>> work) =>
        AnsiConsole.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(
                new TaskDescriptionColumn(),
                new ProgressBarColumn(),
                new PercentageColumn(),
                new DownloadedColumn(),
                new TransferSpeedColumn(),
                new RemainingTimeColumn(),
                new SpinnerColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask(Markup.Escape(label), autoStart: false, maxValue: 1);
                return await work(p =>
                {
                    if (!task.IsStarted)
                    {
                        // Start from the bytes already on disk so a resumed download does not report them as speed.
                        task.MaxValue = p.Total ?? Math.Max(1, p.Received);
                        task.Value = p.ResumedFrom;
                        task.StartTask();
                    }

                    task.MaxValue = p.Total ?? Math.Max(task.MaxValue, p.Received);
                    task.Value = p.Received;
                }).ConfigureAwait(false);
            });

    private static async Task<T> RunWithLinesAsync<T>(string label, TextWriter stderr, Func<Action<DownloadProgress>, Task<T>> work)
    {
        var clock = Stopwatch.StartNew();
        var lastLine = TimeSpan.Zero;
        DownloadProgress? last = null;
        long startBytes = -1;
        var result = await work(p =>
        {
            last = p;
            if (startBytes < 0)
            {
                startBytes = p.ResumedFrom;
            }

            if (clock.Elapsed - lastLine >= TimeSpan.FromSeconds(3))
            {
                lastLine = clock.Elapsed;
                stderr.WriteLine(Line(label, p, startBytes, clock.Elapsed));
            }
        }).ConfigureAwait(false);
        if (last is { } final)
        {
            stderr.WriteLine(Line(label, final, startBytes, clock.Elapsed));
        }

        return result;
    }

    /// <summary>e.g. "qwen.gguf: 41% 640 MiB of 1.53 GiB, 52.3 MiB/s, 0:18 left".</summary>
    internal static string Line(string label, DownloadProgress p, long startBytes, TimeSpan elapsed)
    {
        var speed = elapsed.TotalSeconds > 0 ? (p.Received - Math.Max(0, startBytes)) / elapsed.TotalSeconds : 0;
        var text = $"{label}: ";
        if (p.Total is long total && total > 0)
        {
            text += string.Create(CultureInfo.InvariantCulture, $"{100.0 * p.Received / total:0}% {ByteUnits.Format(p.Received)} of {ByteUnits.Format(total)}");
            if (speed > 0 && p.Received < total)
            {
                var left = TimeSpan.FromSeconds((total - p.Received) / speed);
                text += string.Create(CultureInfo.InvariantCulture, $", {ByteUnits.Format((long)speed)}/s, {(int)left.TotalMinutes}:{left.Seconds:00} left");
            }
        }
        else
        {
            text += ByteUnits.Format(p.Received);
        }

        return text;
    }
}
