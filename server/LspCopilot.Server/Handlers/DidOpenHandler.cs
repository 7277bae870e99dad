using LspCopilot.Server.Protocol;
using LspCopilot.Server.Rpc;
using StreamJsonRpc;

namespace LspCopilot.Server.Handlers;

internal sealed class DidOpenHandler(LspSession session)
{
    [JsonRpcMethod(LspMethods.DidOpen, UseSingleObjectParameterDeserialization = true)]
    public Task DidOpen(DidOpenTextDocumentParams request)
    {
        // Applied by the request queue, in arrival order; an edit cancels the document's request in flight.
        return session.Lifecycle.AcceptsNotifications
            ? session.Requests.EnqueueChange(request.TextDocument.Uri, () => session.Documents.Open(request.TextDocument))
            : Task.CompletedTask;
    }
}
