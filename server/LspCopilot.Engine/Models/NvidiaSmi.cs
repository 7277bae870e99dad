using System.ComponentModel;
using System.Diagnostics;

namespace LspCopilot.Engine.Models;

/// <summary>How one nvidia-smi run ended: its output, or why there is none.</summary>
public enum NvidiaSmiOutcome
{
    Output,
    NotFound,
    Failed,
    TimedOut,
}

/// <summary>One nvidia-smi run: its standard output when it succeeded, else the first line of what it said (<see cref="Reason"/>).</summary>
public sealed record NvidiaSmiRun(NvidiaSmiOutcome Outcome, string Text, string? Reason);

/// <summary>
/// Runs nvidia-smi once with a deadline, for the GPU probe and the power sampler: a missing binary, a non-zero exit and
/// a hang are outcomes, never exceptions, and a run past its deadline (or cancelled) is killed with its children.
/// </summary>
public static class NvidiaSmi
{
    /// <summary>Runs <paramref name="executable"/> with <paramref name="arguments"/>; throws only when <paramref name="cancellationToken"/> is cancelled.</summary>
    public static async Task<NvidiaSmiRun> RunAsync(string executable, IEnumerable<string> arguments, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, CreateNoWindow = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new Win32Exception("not started");
        }
        catch (Win32Exception)
        {
            return new NvidiaSmiRun(NvidiaSmiOutcome.NotFound, string.Empty, "nvidia-smi not found");
        }

        using (process)
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(timeout);
            try
            {
                var output = process.StandardOutput.ReadToEndAsync(deadline.Token);
                var error = process.StandardError.ReadToEndAsync(deadline.Token);
                await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
                var text = await output.ConfigureAwait(false);
                var problem = (await error.ConfigureAwait(false)).Trim();
                return process.ExitCode == 0
                    ? new NvidiaSmiRun(NvidiaSmiOutcome.Output, text, null)
                    : new NvidiaSmiRun(NvidiaSmiOutcome.Failed, text, FirstLine(problem) ?? FirstLine(text) ?? $"exit code {process.ExitCode}");
            }
            catch (OperationCanceledException)
            {
                // Timed out, or the caller stopped: either way no nvidia-smi is left behind.
                process.Kill(entireProcessTree: true);
                cancellationToken.ThrowIfCancellationRequested();
                return new NvidiaSmiRun(NvidiaSmiOutcome.TimedOut, string.Empty, $"did not answer within {timeout.TotalSeconds:0.#} s");
            }
        }
    }

    private static string? FirstLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
}
