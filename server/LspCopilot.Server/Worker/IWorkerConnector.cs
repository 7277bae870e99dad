namespace LspCopilot.Server.Worker;

/// <summary>How the language server reaches an inference worker: a child process it owns, or a shared one.</summary>
public interface IWorkerConnector
{
    /// <summary>For messages: "the inference worker", "the shared worker at 127.0.0.1:7000".</summary>
    string Description { get; }

    /// <summary>True when the worker is our child (we restart it); false for a shared worker (we reconnect).</summary>
    bool OwnsWorker { get; }

    /// <summary>True when the worker runs on another machine (its failures are not this machine's memory).</summary>
    bool IsRemote => false;

    /// <summary>Starts or connects to a worker; the channel is ready for JSON-RPC.</summary>
    Task<IWorkerChannel> OpenAsync(CancellationToken cancellationToken);
}

/// <summary>One live connection to a worker.</summary>
public interface IWorkerChannel : IDisposable
{
    /// <summary>Bytes to the worker.</summary>
    Stream Send { get; }

    /// <summary>Bytes from the worker.</summary>
    Stream Receive { get; }

    /// <summary>The worker's process id when it is our child.</summary>
    int? ProcessId { get; }

    /// <summary>Ends the channel now, without waiting for a clean exit: a child process is killed, a connection closed.</summary>
    void Abandon();

    /// <summary>Why the worker went away (e.g. "was killed by signal 9 (SIGKILL)"), waiting up to <paramref name="wait"/> to learn it.</summary>
    Task<string> DescribeEndAsync(TimeSpan wait);
}
