namespace LspCopilot.Completion;

/// <summary>
/// The engine behind a request died under it: the model's worker process was killed or aborted
/// (a native crash, out of memory) or the connection to a model server was lost. <see cref="Exception.Message"/> is for the user; <see cref="CrashId"/>
/// numbers the crash, so that many failed requests of one crash are reported once.
/// </summary>
public sealed class EngineCrashedException : Exception
{
    public EngineCrashedException(string message, int crashId)
        : base(message)
    {
        CrashId = crashId;
    }

    public EngineCrashedException(string message, int crashId, Exception inner)
        : base(message, inner)
    {
        CrashId = crashId;
    }

    public EngineCrashedException(string message)
        : base(message)
    {
    }

    public EngineCrashedException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public EngineCrashedException()
    {
    }

    public int CrashId { get; }
}
