using LspCopilot.Server.Protocol;
using LspCopilot.Server.Rpc;
using StreamJsonRpc;

namespace LspCopilot.Server.Handlers;

/// <summary>textDocument/didShowCompletion: the editor displayed an item; recorded in the local statistics only.</summary>
internal sealed class DidShowCompletionHandler(LspSession session)
{
    [JsonRpcMethod(LspMethods.DidShowCompletion, UseSingleObjectParameterDeserialization = true)]
    public void DidShowCompletion(NotificationParams<DidShowCompletionParams>? parameters = null)
    {
        if (!session.Lifecycle.AcceptsNotifications)
        {
            return;
        }

        if (parameters?.Value?.Item is not { } item)
        {
            session.Log.Warning($"{LspMethods.DidShowCompletion} ignored: {parameters?.Problem ?? "params.item is missing"}; send {{\"item\": <the InlineCompletionItem as received>}}.");
            return;
        }

        if (!session.Suggestions.Shown(item))
        {
            session.Log.Debug($"{LspMethods.DidShowCompletion}: not a suggestion of this session, or shown before; not counted.");
        }
    }
}
