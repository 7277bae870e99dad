using LspCopilot.Server.Protocol;
using LspCopilot.Server.Rpc;
using StreamJsonRpc;

namespace LspCopilot.Server.Handlers;

internal sealed class DidCloseHandler(LspSession session)
{
    [JsonRpcMethod(LspMethods.DidClose, UseSingleObjectParameterDeserialization = true)]
    public Task DidClose(DidCloseTextDocumentParams request)
    {
        // Applied by the request queue, in arrival order; an edit cancels the document's request in flight.
        return session.Lifecycle.AcceptsNotifications
            ? session.Requests.EnqueueChange(request.TextDocument.Uri, () => session.Documents.Close(request.TextDocument.Uri))
            : Task.CompletedTask;
    }
}
