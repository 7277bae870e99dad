namespace LspCopilot.Completion;

/// <summary>
/// The engine showed no progress for the stall timeout while a request waited on it (a hung native call,
/// a stopped worker process). <see cref="Exception.Message"/> is for the user.
/// </summary>
public sealed class EngineStalledException : Exception
{
    public EngineStalledException(string message)
        : base(message)
    {
    }

    public EngineStalledException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public EngineStalledException()
    {
    }
}
