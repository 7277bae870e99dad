using System.IO.Pipelines;
using System.Reflection;
using LspCopilot.Completion;
using LspCopilot.Server.Protocol;
using LspCopilot.Server.Rpc;
using StreamJsonRpc.Protocol;
using StreamJsonRpc;

namespace LspCopilot.Server.Worker;

/// <summary>The JSON-RPC connection of either end: LSP framing and JSON settings.</summary>
internal static class WorkerRpc
{
    /// <param name="log">The worker side logs every failure that is not the engine's expected one (a bug) here.</param>
    /// <param name="reader">Reads <paramref name="receive"/> when given (e.g. <see cref="DedicatedReader"/>); else a reader over it is made here.</param>
    public static JsonRpc Create(Stream send, Stream receive, bool workerSide, ServerLog? log = null, PipeReader? reader = null)
    {
        var formatter = new SystemTextJsonFormatter();
        LspJson.Configure(formatter.JsonSerializerOptions);

        // Both ends are this program: absent members (nulls are not written) read back as null.
        formatter.JsonSerializerOptions.RespectRequiredConstructorParameters = false;
        // The System.IO.Pipelines adapters read and write the streams inline; the Stream overload's
        // adapters copy through a pipe on another task, a thread hop per message each way.
        // A FileStream (a worker's stdout) would write each message from a pool thread (InlineWriteStream says why not).
        var writer = PipeWriter.Create(send is FileStream ? new InlineWriteStream(send) : send);
        // A stdio worker's input is read on a thread of its own (ParentPipeStream says why it may be).
        var parentPipe = reader is null && receive is ParentPipeStream;
        reader ??= parentPipe ? DedicatedReader.Start(receive, "lspcopilot worker input") : PipeReader.Create(receive);
        var handler = new HeaderDelimitedMessageHandler(writer, reader, formatter);
        var rpc = workerSide ? new WorkerSideJsonRpc(handler, log ?? ServerLog.Silent) : new JsonRpc(handler);
        rpc.CancelLocallyInvokedMethodsWhenConnectionIsClosed = true;
        if (parentPipe)
        {
            // One client, read on a thread of our own: each request starts on it, in order (every method yields
            // at its first wait — the engine's queue, a load on the pool — so a Stop is never held up by a completion).
            rpc.SynchronizationContext = new InlineSynchronizationContext();
        }

        return rpc;
    }

    /// <summary>Errors as codes the client turns back into the engine's exceptions; no stack traces.</summary>
    private sealed class WorkerSideJsonRpc(IJsonRpcMessageHandler handler, ServerLog log) : JsonRpc(handler)
    {
        protected override JsonRpcError.ErrorDetail CreateErrorDetails(JsonRpcRequest request, Exception exception)
        {
            var ex = LspJsonRpc.Unwrap(exception);

            var (code, message) = ex switch
            {
                OperationCanceledException => (WorkerErrorCodes.Cancelled, "The request was cancelled."),
                EngineBusyException => (WorkerErrorCodes.Busy, ex.Message),
                EngineStalledException => (WorkerErrorCodes.Stalled, ex.Message),
                ModelLoadException => (WorkerErrorCodes.ModelUnavailable, ex.Message),
                PromptTooLongException => (WorkerErrorCodes.TooLong, ex.Message),
                System.Text.Json.JsonException or ArgumentException => ((int)JsonRpcErrorCode.InvalidParams, $"Invalid parameters for {request.Method}: {ex.Message}"),
                _ => (WorkerErrorCodes.Failed, $"{ex.GetType().Name}: {ex.Message}"),
            };
            if (code == WorkerErrorCodes.Failed)
            {
                log.Error($"{request.Method} (request {request.RequestId}) failed: {LspJsonRpc.Describe(ex)}");
                log.Debug($"{request.Method} (request {request.RequestId}) failed at: {ex}");
            }

            return new JsonRpcError.ErrorDetail { Code = (JsonRpcErrorCode)code, Message = message };
        }
    }
}
