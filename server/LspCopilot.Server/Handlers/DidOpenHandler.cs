using LspCopilot.Server.Protocol;
using LspCopilot.Server.Rpc;
using StreamJsonRpc;

namespace LspCopilot.Server.Handlers;

internal sealed class DidOpenHandler(LspSession session)
{
    // Params that cannot be read are acted on (see NotificationParams), not lost.
    [JsonRpcMethod(LspMethods.DidOpen, UseSingleObjectParameterDeserialization = true)]
    public void DidOpen(NotificationParams<DidOpenTextDocumentParams>? parameters = null)
    {
        if (!session.Lifecycle.AcceptsNotifications)
        {
            return;
        }

        // Applied by the request queue, in arrival order; an edit cancels the document's request in flight.
        if (parameters?.Value is { } request)
        {
            session.Requests.ApplyChange(request.TextDocument.Uri, () => session.Documents.Open(request.TextDocument));
        }
        else
        {
            var uri = parameters?.DocumentUri;
            session.Requests.ApplyChange(uri ?? string.Empty, () => session.Documents.Unreadable(LspMethods.DidOpen, uri, parameters?.Problem ?? NotificationParams<DidOpenTextDocumentParams>.Missing));
        }
    }
}
