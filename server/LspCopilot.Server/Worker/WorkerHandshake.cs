using System.Text;
using LspCopilot.Completion;
using LspCopilot.Server.Configuration;

namespace LspCopilot.Server.Worker;

/// <summary>
/// The first line on a shared worker's socket, before any JSON-RPC: the client sends
/// <c>LSPCOPILOT-WORKER 1 &lt;token&gt;\n</c>, the worker answers <c>OK\n</c> or
/// <c>ERROR &lt;reason&gt;\n</c> and closes. Anything else (an HTTP request, a wrong or missing token)
/// is refused before a single JSON-RPC message is read.
/// </summary>
public static class WorkerHandshake
{
    public const string Greeting = "LSPCOPILOT-WORKER 1 ";

    private const int MaxLineBytes = 4096;

    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(10);

    /// <summary>Client side: sends the token and waits for the answer; throws <see cref="WorkerRefusedException"/> when refused.</summary>
    public static async Task ConnectAsync(Stream stream, string? token, CancellationToken cancellationToken)
    {
        await stream.WriteAsync(Encoding.UTF8.GetBytes(Greeting + token + "\n"), cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        var answer = await ReadLineAsync(stream, cancellationToken).ConfigureAwait(false);
        if (answer == "OK")
        {
            return;
        }

        throw new WorkerRefusedException(answer is not null && answer.StartsWith("ERROR ", StringComparison.Ordinal)
            ? answer["ERROR ".Length..]
            : "it did not answer like an LspCopilot worker.");
    }

    /// <summary>Worker side: true when the client may go on; otherwise the client was told why and should be closed.</summary>
    public static async Task<bool> AcceptAsync(Stream stream, string? expectedToken, ServerLog log, string peer, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(s_timeout);
        string? line;
        try
        {
            line = await ReadLineAsync(stream, deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            log.Warning($"Refused {peer}: no greeting within {s_timeout.TotalSeconds:0} s.");
            return false;
        }

        string? problem = null;
        if (line is null || !line.StartsWith(Greeting, StringComparison.Ordinal))
        {
            problem = "not an LspCopilot worker client (expected the LSPCOPILOT-WORKER greeting).";
        }
        else if (expectedToken is not null && !AccessToken.Matches(line[Greeting.Length..], expectedToken))
        {
            problem = $"wrong or missing token (set {AccessToken.EnvironmentVariable} to the worker's token).";
        }

        var answer = problem is null ? "OK\n" : "ERROR " + problem + "\n";
        try
        {
            await stream.WriteAsync(Encoding.UTF8.GetBytes(answer), deadline.Token).ConfigureAwait(false);
            await stream.FlushAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException)
        {
            return false;
        }

        if (problem is not null)
        {
            log.Warning($"Refused {peer}: {problem}");
            return false;
        }

        return true;
    }

    /// <summary>Reads one '\n'-terminated line of at most <see cref="MaxLineBytes"/>; null at end of stream or when too long.</summary>
    private static async Task<string?> ReadLineAsync(Stream stream, CancellationToken cancellationToken)
    {
        var bytes = new List<byte>();
        var one = new byte[1];
        while (bytes.Count < MaxLineBytes)
        {
            if (await stream.ReadAsync(one, cancellationToken).ConfigureAwait(false) == 0)
            {
                return null;
            }

            if (one[0] == (byte)'\n')
            {
                return Encoding.UTF8.GetString([.. bytes]).TrimEnd('\r');
            }

            bytes.Add(one[0]);
        }

        return null;
    }
}
