using System.Text.Json;
using LspCopilot.Server.Protocol;
using LspCopilot.Server.Rpc;
using StreamJsonRpc;

namespace LspCopilot.Server.Handlers;

internal sealed class DidCloseHandler(LspSession session)
{
    [JsonRpcMethod(LspMethods.DidClose, UseSingleObjectParameterDeserialization = true)]
    public void DidClose(JsonElement? parameters = null)
    {
        if (!session.Lifecycle.AcceptsNotifications)
        {
            return;
        }

        // Applied by the request queue, in arrival order; closing cancels the document's request in flight.
        if (LspJson.TryRead<DidCloseTextDocumentParams>(parameters, out var request, out var problem))
        {
            session.Requests.ApplyChange(request.TextDocument.Uri, () => session.Documents.Close(request.TextDocument.Uri));
        }
        else
        {
            var uri = LspJson.DocumentUriOf(parameters);
            session.Requests.ApplyChange(uri ?? string.Empty, () => session.Documents.Unreadable(LspMethods.DidClose, uri, problem));
        }
    }
}
