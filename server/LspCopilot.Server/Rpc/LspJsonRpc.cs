using System.Reflection;
using LspCopilot.Completion;
using LspCopilot.Server.Protocol;
using StreamJsonRpc.Protocol;
using StreamJsonRpc;

namespace LspCopilot.Server.Rpc;

/// <summary>
/// JsonRpc whose error responses carry a code and a message only: no stack traces, no exception
/// data. Cancellation always answers RequestCancelled (-32800). A notification has no answer to carry
/// an error, so its failure is logged instead of vanishing.
/// </summary>
internal sealed class LspJsonRpc(IJsonRpcMessageHandler handler, ServerLog log) : JsonRpc(handler)
{
    protected override JsonRpcError.ErrorDetail CreateErrorDetails(JsonRpcRequest request, Exception exception)
    {
        var ex = Unwrap(exception);
        if (!request.IsResponseExpected)
        {
            log.Error($"The notification {request.Method} failed and was not applied: {ex.GetType().Name}: {ex.Message}");
        }

        var detail = ex switch
        {
            LocalRpcException local => new JsonRpcError.ErrorDetail { Code = (JsonRpcErrorCode)local.ErrorCode, Message = local.Message },
            OperationCanceledException => new JsonRpcError.ErrorDetail { Code = JsonRpcErrorCode.RequestCanceled, Message = "The request was cancelled." },
            System.Text.Json.JsonException or ArgumentException => new JsonRpcError.ErrorDetail { Code = JsonRpcErrorCode.InvalidParams, Message = $"Invalid parameters for {request.Method}: {ex.Message}" },
            _ => new JsonRpcError.ErrorDetail { Code = JsonRpcErrorCode.InternalError, Message = $"{request.Method} failed: {ex.GetType().Name}: {ex.Message}" },
        };

        if (request.IsResponseExpected && detail.Code == JsonRpcErrorCode.InternalError)
        {
            // A bug, not bad input: the client shows the message at most, so the log keeps the whole story.
            log.Error($"{request.Method} (request {request.RequestId}) answered InternalError: {Describe(ex)}");
            log.Debug($"{request.Method} (request {request.RequestId}) failed at: {ex}");
        }

        return detail;
    }

    /// <summary>Type and message of an exception and of each inner one (a worker's failure arrives wrapped).</summary>
    internal static string Describe(Exception exception)
    {
        var parts = new List<string>();
        for (var ex = exception; ex is not null && parts.Count < 4; ex = ex.InnerException)
        {
            parts.Add($"{ex.GetType().Name}: {ex.Message}");
        }

        return string.Join(" <- ", parts);
    }

    /// <summary>The exception a handler threw, out of the reflection and task wrappers StreamJsonRpc adds (shared by the worker's connection).</summary>
    internal static Exception Unwrap(Exception exception)
    {
        var ex = exception;
        while (ex is TargetInvocationException or AggregateException && ex.InnerException is not null)
        {
            ex = ex.InnerException;
        }

        return ex;
    }
}

/// <summary>Throw helpers for the LSP error codes.</summary>
internal static class RpcErrors
{
    public static LocalRpcException InvalidParams(string message) => new(message) { ErrorCode = LspErrorCodes.InvalidParams };

    public static LocalRpcException NotInitialized() =>
        new("The server is not initialized: send 'initialize' first.") { ErrorCode = LspErrorCodes.ServerNotInitialized };

    public static LocalRpcException ShutDown() =>
        new("The server is shutting down: only 'exit' is accepted after 'shutdown'.") { ErrorCode = LspErrorCodes.InvalidRequest };

    public static LocalRpcException RequestFailed(string message) => new(message) { ErrorCode = LspErrorCodes.RequestFailed };

    public static LocalRpcException Cancelled() => new("The request was cancelled.") { ErrorCode = LspErrorCodes.RequestCancelled };

    public static LocalRpcException ContentModified(string message) => new(message) { ErrorCode = LspErrorCodes.ContentModified };
}
