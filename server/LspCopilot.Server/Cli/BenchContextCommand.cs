using System.CommandLine;
using System.Text.Json;
using LspCopilot.Server.Benchmarks.Context;
using LspCopilot.Server.Logging;

namespace LspCopilot.Server.Cli;

/// <summary>
/// <c>lspcopilot bench-context [--json]</c> (hidden): the context benchmark suite, until it is served
/// as <c>bench --suite context</c>.
/// </summary>
public static class BenchContextCommand
{
    public static Command Create(Option<string> logLevel)
    {
        var json = new Option<bool>("--json") { Description = "Print the metrics as a JSON object." };
        var files = new Option<int?>("--files") { Description = "C# files in the generated workspace (default 200)." };
        var lines = new Option<int?>("--lines") { Description = "Lines of the big file typed in (default 5000)." };
        var keystrokes = new Option<int?>("--keystrokes") { Description = "Measured keystrokes after the warm-up (default 300)." };
        var command = new Command("bench-context", "Benchmark the Roslyn context per keystroke on a generated workspace.")
        {
            json,
            files,
            lines,
            keystrokes,
        };
        command.Hidden = true;

        command.SetAction(async (parse, ct) =>
        {
            var log = new ServerLog(ServerLog.Parse(parse.GetValue(logLevel) ?? "warning"));
            var defaults = new ContextBenchmarkOptions();
            var options = defaults with
            {
                Files = Math.Max(1, parse.GetValue(files) ?? defaults.Files),
                BigFileLines = Math.Max(50, parse.GetValue(lines) ?? defaults.BigFileLines),
                Keystrokes = Math.Max(1, parse.GetValue(keystrokes) ?? defaults.Keystrokes),
            };
            var metrics = await ContextBenchmark.RunAsync(options, log, ct).ConfigureAwait(false);
            await Console.Out.WriteLineAsync(parse.GetValue(json) ? JsonSerializer.Serialize(metrics) : ContextBenchmark.FormatTable(metrics)).ConfigureAwait(false);
            return 0;
        });
        return command;
    }
}
