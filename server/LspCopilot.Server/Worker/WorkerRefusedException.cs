namespace LspCopilot.Server.Worker;

/// <summary>A shared worker refused our connection (wrong token, or not a worker at all); retrying will not help.</summary>
public sealed class WorkerRefusedException : Exception
{
    public WorkerRefusedException(string message)
        : base(message)
    {
    }

    public WorkerRefusedException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public WorkerRefusedException()
    {
    }
}
