using LspCopilot.Server.Protocol;
using LspCopilot.Server.Rpc;
using StreamJsonRpc;

namespace LspCopilot.Server.Handlers;

internal sealed class DidCloseHandler(LspSession session)
{
    // Params that cannot be read are acted on (see NotificationParams), not lost.
    [JsonRpcMethod(LspMethods.DidClose, UseSingleObjectParameterDeserialization = true)]
    public void DidClose(NotificationParams<DidCloseTextDocumentParams>? parameters = null)
    {
        if (!session.Lifecycle.AcceptsNotifications)
        {
            return;
        }

        // Applied by the request queue, in arrival order; closing cancels the document's request in flight.
        if (parameters?.Value is { } request)
        {
            session.Suggestions.OnClose(request.TextDocument.Uri);
            session.Requests.ApplyChange(request.TextDocument.Uri, () => session.Documents.Close(request.TextDocument.Uri));
        }
        else
        {
            var uri = parameters?.DocumentUri;
            session.Requests.ApplyChange(uri ?? string.Empty, () => session.Documents.Unreadable(LspMethods.DidClose, uri, parameters?.Problem ?? NotificationParams<DidCloseTextDocumentParams>.Missing));
        }
    }
}
