using System.CommandLine;
using LspCopilot.Completion;
using LspCopilot.Engine.CpuVariants;

namespace LspCopilot.Server.Cli;

/// <summary>
/// <c>lspcopilot cpu-probe --model PATH --native-lib-dir DIR [--threads N]</c> (hidden): times the llama.cpp
/// build in DIR on the model and prints one JSON line. llama.cpp loads once per process, so choosing a CPU
/// build runs this once per build (<see cref="Hosting.CpuProbeProcess"/>).
/// </summary>
public static class CpuProbeCommand
{
    public const string Name = "cpu-probe";

    public static Command Create(Option<string> logLevel)
    {
        var model = new Option<string>("--model", "-m") { Description = "GGUF model file.", Required = true };
        var libraryDir = new Option<string>("--native-lib-dir") { Description = "Folder of the llama.cpp build to time.", Required = true };
        var threads = new Option<int?>("--threads", "-t") { Description = "CPU threads (default: all cores)." };
        var command = new Command(Name, "Time one llama.cpp build on a model and print one JSON line (used to choose the CPU build).")
        {
            model,
            libraryDir,
            threads,
        };
        command.Hidden = true;
        command.SetAction((parse, _) =>
        {
            var log = new ServerLog(ServerLog.Parse(parse.GetValue(logLevel) ?? "warning"));
            try
            {
                var timing = CpuVariantProbe.Measure(parse.GetValue(model)!, parse.GetValue(libraryDir)!, Math.Max(1, parse.GetValue(threads) ?? Environment.ProcessorCount), log);
                Console.Out.WriteLine(timing.ToJsonLine());
                return Task.FromResult(0);
            }
            catch (Exception ex)
            {
                // Whatever went wrong, the parent reads one line saying what and skips this build.
                Console.Error.WriteLine("error: " + ex.Message.ReplaceLineEndings(" "));
                return Task.FromResult(1);
            }
        });
        return command;
    }
}
