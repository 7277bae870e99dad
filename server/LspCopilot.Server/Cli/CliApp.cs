using System.CommandLine;

namespace LspCopilot.Server.Cli;

/// <summary>The command tree. Each subcommand lives in its own file and is added here in one line.</summary>
public static class CliApp
{
    public static RootCommand Create()
    {
        var logLevel = new Option<string>("--log-level")
        {
            Description = "trace, debug, info, warning, error or none (logs go to stderr).",
            Recursive = true,
        };

        var root = ServeCommand.CreateRoot(logLevel);
        root.Options.Add(logLevel);
        root.Subcommands.Add(CompleteCommand.Create(logLevel));
        root.Subcommands.Add(BenchCommand.Create(logLevel));
        root.Subcommands.Add(ModelCommand.Create());
        root.Subcommands.Add(DoctorCommand.Create(logLevel));
        root.Subcommands.Add(ContextCommand.Create(logLevel));
        root.Subcommands.Add(WorkerCommand.Create(logLevel));
        root.Subcommands.Add(CpuProbeCommand.Create(logLevel));
        root.Subcommands.Add(HealthCommand.Create());
        root.Subcommands.Add(StatsCommand.Create());
        return root;
    }
}
