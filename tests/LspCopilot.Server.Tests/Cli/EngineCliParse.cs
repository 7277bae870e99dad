using System.CommandLine;
using LspCopilot.Completion;
using LspCopilot.Server.Cli;

namespace LspCopilot.Server.Tests.Cli;

/// <summary>Parses engine options as the command line does (without the environment): the options, or the parse errors.</summary>
internal static class EngineCliParse
{
    public static (EngineOptions Options, IReadOnlyList<string> Errors) Parse(params string[] args)
    {
        var cli = new EngineCliOptions();
        var command = new RootCommand();
        cli.AddTo(command);
        var result = command.Parse(args);
        var errors = result.Errors.Select(e => e.Message).ToList();
        return (errors.Count == 0 ? cli.Read(result, useEnvironment: false) : new EngineOptions(), errors);
    }
}
