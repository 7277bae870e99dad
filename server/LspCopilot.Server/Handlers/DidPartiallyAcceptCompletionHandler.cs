using LspCopilot.Server.Protocol;
using LspCopilot.Server.Rpc;
using StreamJsonRpc;

namespace LspCopilot.Server.Handlers;

/// <summary>textDocument/didPartiallyAcceptCompletion: the user took part of an item; recorded in the local statistics only.</summary>
internal sealed class DidPartiallyAcceptCompletionHandler(LspSession session)
{
    [JsonRpcMethod(LspMethods.DidPartiallyAcceptCompletion, UseSingleObjectParameterDeserialization = true)]
    public void DidPartiallyAcceptCompletion(NotificationParams<DidPartiallyAcceptCompletionParams>? parameters = null)
    {
        if (!session.Lifecycle.AcceptsNotifications)
        {
            return;
        }

        if (parameters?.Value is not { Item: { } item, AcceptedLength: { } length } || length < 0)
        {
            session.Log.Warning($"{LspMethods.DidPartiallyAcceptCompletion} ignored: {parameters?.Problem ?? "params.item and a non-negative params.acceptedLength are required"}.");
            return;
        }

        if (!session.Suggestions.PartiallyAccepted(item, length))
        {
            session.Log.Debug($"{LspMethods.DidPartiallyAcceptCompletion}: not a suggestion of this session, or no more of it than before; not counted.");
        }
    }
}
