using LspCopilot.Server.Protocol;
using LspCopilot.Server.Rpc;
using StreamJsonRpc;

namespace LspCopilot.Server.Handlers;

internal sealed class DidOpenHandler(LspSession session)
{
    [JsonRpcMethod(LspMethods.DidOpen, UseSingleObjectParameterDeserialization = true)]
    public void DidOpen(DidOpenTextDocumentParams request)
    {
        if (session.Lifecycle.AcceptsNotifications)
        {
            session.Documents.Open(request.TextDocument);
        }
    }
}
