using LspCopilot.Server.Protocol;
using LspCopilot.Server.Rpc;
using StreamJsonRpc;

namespace LspCopilot.Server.Handlers;

internal sealed class DidOpenHandler(LspSession session)
{
    [JsonRpcMethod(LspMethods.DidOpen, UseSingleObjectParameterDeserialization = true)]
    public void DidOpen(DidOpenTextDocumentParams request)
    {
        // Applied by the request queue, in arrival order; an edit cancels the document's request in flight.
        if (session.Lifecycle.AcceptsNotifications)
        {
            session.Requests.ApplyChange(request.TextDocument.Uri, () => session.Documents.Open(request.TextDocument));
        }
    }
}
