using System.Diagnostics;
using System.Globalization;
using LspCopilot.Engine.CpuVariants;
using LspCopilot.Server.Cli;
using LspCopilot.Server.Worker;

namespace LspCopilot.Server.Hosting;

/// <summary>
/// Times a CPU build in a child process of this program (<c>lspcopilot cpu-probe</c>, started the way the
/// worker is), since llama.cpp's library can be loaded only once per process. The child is bounded by a
/// timeout that grows with the model; a build that fails to load or crashes (e.g. an illegal instruction)
/// is reported, never fatal.
/// </summary>
public sealed class CpuProbeProcess(WorkerLaunch launch) : ICpuVariantTimer
{
    /// <summary>A minute, plus 15 s per GiB of model to read from a cold disk.</summary>
    public static TimeSpan TimeoutFor(long modelBytes) => TimeSpan.FromSeconds(60 + (15.0 * modelBytes / (1L << 30)));

    public async Task<CpuVariantTiming> TimeAsync(CpuBuild build, string modelPath, int threads, CancellationToken cancellationToken)
    {
        var timeout = TimeoutFor(new FileInfo(modelPath).Length);
        var info = launch.StartInfo([CpuProbeCommand.Name, "--model", modelPath, "--native-lib-dir", build.Directory, "--threads", threads.ToString(CultureInfo.InvariantCulture), "--log-level", "error"]);
        Process process;
        try
        {
            process = Process.Start(info) ?? throw new CpuVariantProbeException("its process did not start");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new CpuVariantProbeException($"its process did not start: {ex.Message}", ex);
        }

        using (process)
        {
            process.StandardInput.Close();
            var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
            var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(timeout);
            try
            {
                await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();
                throw new CpuVariantProbeException($"no result within {timeout.TotalSeconds:0} s; stopped it");
            }

            var output = await stdout.ConfigureAwait(false);
            var errors = await stderr.ConfigureAwait(false);
            if (process.ExitCode != 0)
            {
                throw new CpuVariantProbeException(DescribeExit(process.ExitCode) + LastLine(errors));
            }

            return output.Split('\n').Select(CpuVariantTiming.TryParse).LastOrDefault(t => t is not null)
                ?? throw new CpuVariantProbeException("it printed no timings" + LastLine(errors));
        }
    }

    /// <summary>A child killed by a signal exits with 128 + the signal's number.</summary>
    private static string DescribeExit(int code) => code switch
    {
        132 => "it crashed on an illegal instruction (this CPU cannot run this build)",
        134 => "it aborted",
        137 => "it was killed (out of memory?)",
        139 => "it crashed (segmentation fault)",
        _ => $"it exited with code {code}",
    };

    private static string LastLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() is { } line ? ": " + line : string.Empty;
}
