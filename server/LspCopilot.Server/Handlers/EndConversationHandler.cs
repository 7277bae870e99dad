using LspCopilot.Server.Protocol;
using LspCopilot.Server.Rpc;
using StreamJsonRpc;

namespace LspCopilot.Server.Handlers;

/// <summary>lspcopilot/endConversation: forgets an explanation conversation here and in the engine; an unknown id is harmless.</summary>
internal sealed class EndConversationHandler(LspSession session)
{
    [JsonRpcMethod(LspMethods.EndConversation, UseSingleObjectParameterDeserialization = true)]
    public object? EndConversation(EndConversationParams request)
    {
        session.Lifecycle.EnsureRunning();
        if (request.ConversationId is not { Length: > 0 } id)
        {
            throw RpcErrors.InvalidParams("conversationId is required.");
        }

        session.Conversations.End(id);
        return null;
    }
}
