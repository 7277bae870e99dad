using System.CommandLine;
using LspCopilot.Server.Stats;
using Spectre.Console;

namespace LspCopilot.Server.Cli;

/// <summary>
/// <c>lspcopilot stats [--since 7d] [--json]</c>: the acceptance statistics kept locally in the user's state folder —
/// rate, characters accepted, latency percentiles by editor, language and model, and a latency histogram.
/// </summary>
public static class StatsCommand
{
    public static Command Create()
    {
        var since = new Option<string>("--since") { Description = "Period: 30m, 12h, 7d, 2w, today or all (default 7d).", DefaultValueFactory = _ => StatsPeriod.Default };
        var json = new Option<bool>("--json") { Description = "Print JSON instead of tables." };
        var store = new Option<string?>("--store") { Description = "The statistics folder (default $XDG_STATE_HOME/lspcopilot, else ~/.local/state/lspcopilot)." };
        var command = new Command("stats", "Show how often suggestions were accepted and how fast they came (kept on this machine only).") { since, json, store };
        command.SetAction(parse => Run(parse.GetValue(store) ?? StatsStore.DefaultFolder(), parse.GetValue(since), parse.GetValue(json), Console.Out, Console.Error, DateTimeOffset.Now));
        return command;
    }

    /// <summary>0 with the statistics on <paramref name="stdout"/>; 2 for a bad period.</summary>
    public static int Run(string folder, string? since, bool json, TextWriter stdout, TextWriter stderr, DateTimeOffset now)
    {
        if (!StatsPeriod.TryParse(since, now, out var from, out var error))
        {
            stderr.WriteLine("error: " + error);
            return 2;
        }

        var store = new StatsStore(folder);
        var events = store.ReadAll(out var problem);
        var summary = StatsSummary.Compute(events, from);
        if (json)
        {
            stdout.WriteLine(StatsOutput.Json(summary, store.Folder, problem));
        }
        else
        {
            var console = AnsiConsole.Create(new AnsiConsoleSettings
            {
                Out = new AnsiConsoleOutput(stdout),
                Ansi = stdout == Console.Out && !Console.IsOutputRedirected ? AnsiSupport.Detect : AnsiSupport.No,
                ColorSystem = stdout == Console.Out && !Console.IsOutputRedirected ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
                Interactive = InteractionSupport.No,
            });
            if (stdout != Console.Out || Console.IsOutputRedirected)
            {
                console.Profile.Width = 120;
            }

            StatsOutput.Text(console, summary, store.Folder, problem);
        }

        return 0;
    }
}
