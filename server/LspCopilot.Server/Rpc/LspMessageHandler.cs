using System.Collections.Concurrent;
using StreamJsonRpc.Protocol;
using StreamJsonRpc.Reflection;
using StreamJsonRpc;

namespace LspCopilot.Server.Rpc;

/// <summary>
/// VS Code's framing (Content-Length headers) plus one rule StreamJsonRpc does not enforce: a request
/// that reuses the id of a request still in flight is answered -32600 and never dispatched, so the
/// first keeps its own cancellation and its single answer.
/// </summary>
internal sealed class LspMessageHandler(Stream sending, Stream receiving, IJsonRpcMessageFormatter formatter)
    : HeaderDelimitedMessageHandler(sending, receiving, formatter)
{
    private readonly ConcurrentDictionary<RequestId, byte> _inflight = new();
    private readonly ConcurrentDictionary<JsonRpcError, byte> _rejections = new();

    protected override async ValueTask<JsonRpcMessage?> ReadCoreAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var message = await base.ReadCoreAsync(cancellationToken).ConfigureAwait(false);
            if (message is not JsonRpcRequest { IsResponseExpected: true } request || _inflight.TryAdd(request.RequestId, 0))
            {
                return message;
            }

            ((IJsonRpcMessageBufferManager)this).DeserializationComplete(request);
            var rejection = new JsonRpcError
            {
                RequestId = request.RequestId,
                Error = new JsonRpcError.ErrorDetail
                {
                    Code = JsonRpcErrorCode.InvalidRequest,
                    Message = $"Request id {request.RequestId} is already in use by a request in flight: use a new id for each request.",
                },
            };
            _rejections[rejection] = 0;
            await WriteAsync(rejection, cancellationToken).ConfigureAwait(false);
        }
    }

    protected override void Write(JsonRpcMessage content, CancellationToken cancellationToken)
    {
        // The answer to a request ends it, unless it is our rejection of a duplicate of its id.
        if (!(content is JsonRpcError error && _rejections.TryRemove(error, out _)) &&
            content is IJsonRpcMessageWithId { RequestId: var id } and (JsonRpcResult or JsonRpcError))
        {
            _inflight.TryRemove(id, out _);
        }

        base.Write(content, cancellationToken);
    }
}
