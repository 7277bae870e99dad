namespace LspCopilot.Server.Worker;

/// <summary>
/// The inference worker died (killed, a native abort, out of memory) or its connection was lost while
/// this request needed it. <see cref="Exception.Message"/> is for the user; <see cref="CrashId"/>
/// numbers the crash, so that many failed requests of one crash are reported once.
/// </summary>
public sealed class WorkerCrashedException : Exception
{
    public WorkerCrashedException(string message, int crashId)
        : base(message)
    {
        CrashId = crashId;
    }

    public WorkerCrashedException(string message)
        : base(message)
    {
    }

    public WorkerCrashedException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public WorkerCrashedException()
    {
    }

    public int CrashId { get; }
}
