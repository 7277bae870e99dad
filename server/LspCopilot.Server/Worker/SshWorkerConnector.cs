using System.Text;
using LspCopilot.Completion;

namespace LspCopilot.Server.Worker;

/// <summary>
/// Runs the inference worker on another machine through the user's own ssh (<c>--worker ssh://host</c>): the
/// model on the GPU box, Roslyn, documents and the scheduler here. ssh's stdin/stdout carry the worker protocol,
/// so no port is opened and the user's ssh config, keys and agent apply. The worker is ours to restart, as a
/// local child is; a remote that lacks lspcopilot, or that ssh cannot reach, is said once in plain words.
/// </summary>
public sealed class SshWorkerConnector(SshWorkerTarget target, IReadOnlyList<string> ssh, string? workerCommand, ServerLog log) : IWorkerConnector
{
    /// <summary>
    /// The remote command when none is given: lspcopilot on the PATH, else the .NET tools folder (a non-interactive
    /// ssh session has a short PATH); neither → exit 127 with a line that says what to install.
    /// </summary>
    internal const string DefaultRemoteCommand =
        "sh -c 'for c in lspcopilot \"$HOME/.dotnet/tools/lspcopilot\"; do if command -v \"$c\" >/dev/null 2>&1; then exec \"$c\" \"$@\"; fi; done; "
        + "echo \"lspcopilot is not installed on $(hostname)\" >&2; exit 127' lspcopilot";

    public string Description => $"the worker on {target.Host} (over ssh)";

    public bool OwnsWorker => true;

    public bool IsRemote => true;

    /// <summary>The ssh command line that starts the worker (ssh's own options first, the remote command last).</summary>
    public WorkerLaunch Launch()
    {
        var arguments = new List<string>(ssh.Skip(1))
        {
            // No terminal, never a password prompt (there is no one to answer it), and notice a dead link.
            "-T", "-o", "BatchMode=yes", "-o", "ServerAliveInterval=15", "-o", "ServerAliveCountMax=3",
        };
        if (target.Port is int port)
        {
            arguments.AddRange(["-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        }

        if (target.User is { } user)
        {
            arguments.AddRange(["-l", user]);
        }

        arguments.AddRange([target.Host, "--", string.IsNullOrWhiteSpace(workerCommand) ? DefaultRemoteCommand : workerCommand]);
        return new WorkerLaunch(ssh[0], arguments);
    }

    public Task<IWorkerChannel> OpenAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult<IWorkerChannel>(WorkerProcess.Start(Launch(), log, DescribeExit));
    }

    /// <summary>What ssh's exit code and last lines mean for the user; null where the usual description fits.</summary>
    private string? DescribeExit(int exitCode, IReadOnlyList<string> lastLines)
    {
        var last = lastLines.Count > 0 ? lastLines[^1] : null;
        return exitCode switch
        {
            127 => $"could not start on {target.Host}: {(string.IsNullOrEmpty(workerCommand) ? "lspcopilot is not installed there" : $"'{workerCommand}' was not found there")}. "
                + "Install it on that machine (dotnet tool install --global lspcopilot, or copy the build) or pass --worker-command with its path",
            255 => $"could not be reached over ssh ({last ?? "ssh exited with code 255"}). Check that 'ssh {target.Host}' works without a password prompt (keys or an agent)",
            _ => null,
        };
    }

    /// <summary>Splits <c>--ssh-command</c> ("ssh -i ~/.ssh/box -o …") into words; quotes group words.</summary>
    public static IReadOnlyList<string> SplitCommand(string? text)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        char? quote = null;
        foreach (var c in text ?? "ssh")
        {
            if (quote is { } q)
            {
                if (c == q)
                {
                    quote = null;
                }
                else
                {
                    word.Append(c);
                }
            }
            else if (c is '"' or '\'')
            {
                quote = c;
                inWord = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (inWord)
                {
                    words.Add(word.ToString());
                    word.Clear();
                    inWord = false;
                }
            }
            else
            {
                word.Append(c);
                inWord = true;
            }
        }

        if (inWord)
        {
            words.Add(word.ToString());
        }

        return words.Count == 0 ? ["ssh"] : words;
    }
}
