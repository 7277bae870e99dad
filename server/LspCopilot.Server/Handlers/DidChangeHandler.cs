using LspCopilot.Server.Protocol;
using LspCopilot.Server.Rpc;
using StreamJsonRpc;

namespace LspCopilot.Server.Handlers;

internal sealed class DidChangeHandler(LspSession session)
{
    [JsonRpcMethod(LspMethods.DidChange, UseSingleObjectParameterDeserialization = true)]
    public void DidChange(DidChangeTextDocumentParams request)
    {
        // Applied by the request queue, in arrival order; an edit cancels the document's request in flight.
        if (session.Lifecycle.AcceptsNotifications)
        {
            session.Requests.ApplyChange(request.TextDocument.Uri, () => session.Documents.Change(request.TextDocument, request.ContentChanges));
        }
    }
}
