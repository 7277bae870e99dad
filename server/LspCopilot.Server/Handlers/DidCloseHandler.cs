using LspCopilot.Server.Protocol;
using LspCopilot.Server.Rpc;
using StreamJsonRpc;

namespace LspCopilot.Server.Handlers;

internal sealed class DidCloseHandler(LspSession session)
{
    [JsonRpcMethod(LspMethods.DidClose, UseSingleObjectParameterDeserialization = true)]
    public void DidClose(DidCloseTextDocumentParams request)
    {
        // Applied by the request queue, in arrival order; an edit cancels the document's request in flight.
        if (session.Lifecycle.AcceptsNotifications)
        {
            session.Requests.ApplyChange(request.TextDocument.Uri, () => session.Documents.Close(request.TextDocument.Uri));
        }
    }
}
