namespace LspCopilot.Completion;

/// <summary>The engine's queue is full: the request is answered at once with no suggestion.</summary>
public sealed class EngineBusyException : Exception
{
    public EngineBusyException(string message)
        : base(message)
    {
    }

    public EngineBusyException()
    {
    }

    public EngineBusyException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
