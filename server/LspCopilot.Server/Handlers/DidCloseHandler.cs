using LspCopilot.Server.Protocol;
using LspCopilot.Server.Rpc;
using StreamJsonRpc;

namespace LspCopilot.Server.Handlers;

internal sealed class DidCloseHandler(LspSession session)
{
    [JsonRpcMethod(LspMethods.DidClose, UseSingleObjectParameterDeserialization = true)]
    public void DidClose(DidCloseTextDocumentParams request)
    {
        if (session.Lifecycle.AcceptsNotifications)
        {
            session.Documents.Close(request.TextDocument.Uri);
        }
    }
}
