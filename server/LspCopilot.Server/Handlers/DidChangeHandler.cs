using LspCopilot.Server.Protocol;
using LspCopilot.Server.Rpc;
using StreamJsonRpc;

namespace LspCopilot.Server.Handlers;

internal sealed class DidChangeHandler(LspSession session)
{
    // An edit that cannot be read marks its document divergent (see NotificationParams), never vanishes.
    [JsonRpcMethod(LspMethods.DidChange, UseSingleObjectParameterDeserialization = true)]
    public void DidChange(NotificationParams<DidChangeTextDocumentParams>? parameters = null)
    {
        if (!session.Lifecycle.AcceptsNotifications)
        {
            return;
        }

        // Applied by the request queue, in arrival order; an edit cancels the document's request in flight.
        if (parameters?.Value is { } request)
        {
            session.Suggestions.OnEdit(request.TextDocument.Uri);
            session.Requests.ApplyChange(request.TextDocument.Uri, () => session.Documents.Change(request.TextDocument, request.ContentChanges));
        }
        else
        {
            var uri = parameters?.DocumentUri;
            session.Requests.ApplyChange(uri ?? string.Empty, () => session.Documents.Unreadable(LspMethods.DidChange, uri, parameters?.Problem ?? NotificationParams<DidChangeTextDocumentParams>.Missing));
        }
    }
}
