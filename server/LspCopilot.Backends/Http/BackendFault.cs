namespace LspCopilot.Backends.Http;

/// <summary>What went wrong with a call to a model server; decides whether the circuit breaker counts it.</summary>
internal enum BackendFault
{
    /// <summary>No connection could be opened (refused, reset, unknown host): the server is down. Counted.</summary>
    Unreachable,

    /// <summary>The server stayed silent past the limit. Counted.</summary>
    Silent,

    /// <summary>500, 502, 504: the server (or the proxy before it) failed. Counted.</summary>
    ServerError,

    /// <summary>503 while the server loads its model.</summary>
    Loading,

    /// <summary>401 or 403: the key is missing or wrong.</summary>
    Unauthorized,

    /// <summary>404: an unknown model, or not this kind of server.</summary>
    NotFound,

    /// <summary>501: the server cannot do this (llama-server's /infill for a model without FIM tokens).</summary>
    NotSupported,

    /// <summary>The prompt is longer than the server's context.</summary>
    ContextExceeded,

    /// <summary>Any other 4xx: the server refused the request as sent.</summary>
    Rejected,

    /// <summary>The answer broke the protocol: malformed, cut in the middle, too large.</summary>
    Protocol,
}
