using LspCopilot.Server.Protocol;
using LspCopilot.Server.Rpc;
using StreamJsonRpc;

namespace LspCopilot.Server.Handlers;

internal sealed class DidChangeHandler(LspSession session)
{
    [JsonRpcMethod(LspMethods.DidChange, UseSingleObjectParameterDeserialization = true)]
    public void DidChange(DidChangeTextDocumentParams request)
    {
        if (session.Lifecycle.AcceptsNotifications)
        {
            session.Documents.Change(request.TextDocument, request.ContentChanges);
        }
    }
}
