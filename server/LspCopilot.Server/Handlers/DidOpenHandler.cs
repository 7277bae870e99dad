using System.Text.Json;
using LspCopilot.Server.Protocol;
using LspCopilot.Server.Rpc;
using StreamJsonRpc;

namespace LspCopilot.Server.Handlers;

internal sealed class DidOpenHandler(LspSession session)
{
    // The params arrive as JSON and are read here: params that cannot be read are acted on, not lost.
    [JsonRpcMethod(LspMethods.DidOpen, UseSingleObjectParameterDeserialization = true)]
    public void DidOpen(JsonElement? parameters = null)
    {
        if (!session.Lifecycle.AcceptsNotifications)
        {
            return;
        }

        // Applied by the request queue, in arrival order; an edit cancels the document's request in flight.
        if (LspJson.TryRead<DidOpenTextDocumentParams>(parameters, out var request, out var problem))
        {
            session.Requests.ApplyChange(request.TextDocument.Uri, () => session.Documents.Open(request.TextDocument));
        }
        else
        {
            var uri = LspJson.DocumentUriOf(parameters);
            session.Requests.ApplyChange(uri ?? string.Empty, () => session.Documents.Unreadable(LspMethods.DidOpen, uri, problem));
        }
    }
}
