using LspCopilot.Server.Protocol;
using LspCopilot.Server.Rpc;
using StreamJsonRpc;

namespace LspCopilot.Server.Handlers;

internal sealed class DidChangeHandler(LspSession session)
{
    [JsonRpcMethod(LspMethods.DidChange, UseSingleObjectParameterDeserialization = true)]
    public Task DidChange(DidChangeTextDocumentParams request)
    {
        // Applied by the request queue, in arrival order; an edit cancels the document's request in flight.
        return session.Lifecycle.AcceptsNotifications
            ? session.Requests.EnqueueChange(request.TextDocument.Uri, () => session.Documents.Change(request.TextDocument, request.ContentChanges))
            : Task.CompletedTask;
    }
}
