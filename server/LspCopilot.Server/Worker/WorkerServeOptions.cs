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
        Description = "Use the shared worker at HOST:PORT (started with 'lspcopilot worker --listen HOST:PORT'; its token: --worker-token-file or $LSPCOPILOT_TOKEN), or run the worker on another machine over your own ssh with ssh://[user@]host[:port] (the model there, Roslyn here; --model is a path on that machine).",
    };

    public Option<string?> WorkerCommand { get; } = new("--worker-command")
    {
        Description = "With --worker ssh://…: the command that runs lspcopilot on the remote machine (default: lspcopilot on its PATH, else ~/.dotnet/tools/lspcopilot).",
    };

    public Option<string?> SshCommand { get; } = new("--ssh-command")
    {
        Description = "With --worker ssh://…: the ssh client and its options (default: ssh; e.g. \"ssh -i ~/.ssh/gpu_box\"). BatchMode is always on: there is no one to answer a password prompt.",
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
        command.Options.Add(WorkerCommand);
        command.Options.Add(SshCommand);
        command.Validators.Add(result =>
        {
            var address = result.GetValue(Worker);
            if (address is not null && result.GetValue(InProcess))
            {
                result.AddError("Use either --in-process or --worker, not both.");
            }

            var ssh = SshWorkerTarget.IsSsh(address);
            if (address is not null && (ssh ? !SshWorkerTarget.TryParse(address, out _, out var error) : !WorkerEndpoint.TryParse(address, out _, out error)))
            {
                result.AddError("--worker: " + error);
            }

            if (!ssh && (result.GetValue(WorkerCommand) is not null || result.GetValue(SshCommand) is not null))
            {
                result.AddError("--worker-command and --ssh-command need --worker ssh://[user@]host[:port].");
            }

            if (ssh && result.GetValue(WorkerTokenFile) is not null)
            {
                result.AddError("--worker-token-file is for a shared worker (--worker HOST:PORT); over ssh your ssh keys authenticate.");
            }
            else if (ssh)
            {
                return;
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

    /// <summary>True when the model is on another machine (--worker ssh://…): --model names a file there.</summary>
    public bool ModelOnRemoteMachine(ParseResult parse) => SshWorkerTarget.IsSsh(parse.GetValue(Worker));

    /// <summary>The engine loader the options ask for (validated already by <see cref="AddTo"/>).</summary>
    public Func<EngineOptions, ServerLog, ICompletionEngine> Loader(ParseResult parse)
    {
        if (parse.GetValue(InProcess))
        {
            return Composition.InProcess;
        }

        if (parse.GetValue(Worker) is { } remote && SshWorkerTarget.TryParse(remote, out var target, out _))
        {
            return Composition.SshWorker(target!, SshWorkerConnector.SplitCommand(parse.GetValue(SshCommand)), parse.GetValue(WorkerCommand));
        }

        if (parse.GetValue(Worker) is { } address && WorkerEndpoint.TryParse(address, out var endpoint, out _))
        {
            AccessToken.TryResolve(parse.GetValue(WorkerTokenFile), out var token, out _);
            return Composition.SharedWorker(endpoint!, token);
        }

        return Composition.ChildWorker;
    }

    /// <summary>
    /// Where <c>--chat-model</c> loads: as the completion model does (in process, a child worker, a worker over ssh on
    /// the same machine), except beside a shared worker, whose model is its own: there, in a child worker here.
    /// </summary>
    public Func<EngineOptions, ServerLog, ICompletionEngine> ChatLoader(ParseResult parse) =>
        parse.GetValue(Worker) is { } address && WorkerEndpoint.TryParse(address, out _, out _) ? Composition.ChildWorker : Loader(parse);
}
