using System.Text.Json;
using LspCopilot.Server.Protocol;
using LspCopilot.Server.Rpc;
using StreamJsonRpc;

namespace LspCopilot.Server.Handlers;

internal sealed class DidChangeHandler(LspSession session)
{
    // The params arrive as JSON and are read here: an edit that cannot be read marks its document divergent, never vanishes.
    [JsonRpcMethod(LspMethods.DidChange, UseSingleObjectParameterDeserialization = true)]
    public void DidChange(JsonElement? parameters = null)
    {
        if (!session.Lifecycle.AcceptsNotifications)
        {
            return;
        }

        // Applied by the request queue, in arrival order; an edit cancels the document's request in flight.
        if (LspJson.TryRead<DidChangeTextDocumentParams>(parameters, out var request, out var problem))
        {
            session.Requests.ApplyChange(request.TextDocument.Uri, () => session.Documents.Change(request.TextDocument, request.ContentChanges));
        }
        else
        {
            var uri = LspJson.DocumentUriOf(parameters);
            session.Requests.ApplyChange(uri ?? string.Empty, () => session.Documents.Unreadable(LspMethods.DidChange, uri, problem));
        }
    }
}
