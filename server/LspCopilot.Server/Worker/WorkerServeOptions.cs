using System.CommandLine;
using LspCopilot.Completion;
using LspCopilot.Server.Configuration;

namespace LspCopilot.Server.Worker;

/// <summary>The language server's options that choose where its engine runs (see <see cref="WorkerEngines"/>).</summary>
public sealed class WorkerServeOptions
{
    public Option<bool> InProcess { get; } = new("--in-process")
    {
        Description = "Load the model in the server process instead of a supervised worker process (a native crash then ends the server; for benchmarks and engine tests).",
    };

    public Option<string?> Worker { get; } = new("--worker")
    {
        Description = "Use the shared worker at HOST:PORT (started with 'lspcopilot worker --listen HOST:PORT') instead of a worker of our own. Its token: --worker-token-file or $LSPCOPILOT_TOKEN.",
    };

    public Option<string?> WorkerTokenFile { get; } = new("--worker-token-file")
    {
        Description = "File holding the shared worker's token (default: $LSPCOPILOT_TOKEN).",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(InProcess);
        command.Options.Add(Worker);
        command.Options.Add(WorkerTokenFile);
        command.Validators.Add(result =>
        {
            var address = result.GetValue(Worker);
            if (address is not null && result.GetValue(InProcess))
            {
                result.AddError("Use either --in-process or --worker, not both.");
            }

            if (address is not null && !WorkerEndpoint.TryParse(address, out _, out var error))
            {
                result.AddError("--worker: " + error);
            }

            if (address is null && result.GetValue(WorkerTokenFile) is not null)
            {
                result.AddError("--worker-token-file needs --worker HOST:PORT.");
            }
            else if (address is not null && !AccessToken.TryResolve(result.GetValue(WorkerTokenFile), out _, out var tokenError))
            {
                result.AddError(tokenError!);
            }
        });
    }

    /// <summary>The engine loader the options ask for (validated already by <see cref="AddTo"/>).</summary>
    public Func<EngineOptions, ServerLog, ICompletionEngine> Loader(ParseResult parse)
    {
        if (parse.GetValue(InProcess))
        {
            return Composition.InProcess;
        }

        if (parse.GetValue(Worker) is { } address && WorkerEndpoint.TryParse(address, out var endpoint, out _))
        {
            AccessToken.TryResolve(parse.GetValue(WorkerTokenFile), out var token, out _);
            return Composition.SharedWorker(endpoint!, token);
        }

        return Composition.ChildWorker;
    }
}
