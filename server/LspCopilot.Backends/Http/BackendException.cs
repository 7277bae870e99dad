namespace LspCopilot.Backends.Http;

/// <summary>A failed call to a model server, with a message for the user (it names the server and what to do).</summary>
internal sealed class BackendException : Exception
{
    public BackendException(string message, BackendFault fault, Exception? inner = null)
        : base(message, inner)
    {
        Fault = fault;
    }

    public BackendException(string message)
        : base(message)
    {
        Fault = BackendFault.Protocol;
    }

    public BackendException(string message, Exception inner)
        : base(message, inner)
    {
        Fault = BackendFault.Protocol;
    }

    public BackendException()
    {
        Fault = BackendFault.Protocol;
    }

    public BackendFault Fault { get; }

    /// <summary>Refused by the open circuit breaker without a call (the opening was logged already).</summary>
    public bool FromBreaker { get; init; }

    /// <summary>The HTTP status, when the server answered one.</summary>
    public int? Status { get; init; }

    /// <summary>Whether the circuit breaker counts this as a sign that the server is dead.</summary>
    public bool MeansDead => Fault is BackendFault.Unreachable or BackendFault.Silent or BackendFault.ServerError;
}
