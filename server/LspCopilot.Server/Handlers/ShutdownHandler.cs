using LspCopilot.Server.Protocol;
using LspCopilot.Server.Rpc;
using StreamJsonRpc;

namespace LspCopilot.Server.Handlers;

internal sealed class ShutdownHandler(LspSession session)
{
    [JsonRpcMethod(LspMethods.Shutdown)]
    public object? Shutdown()
    {
        session.Lifecycle.Shutdown();
        session.CancelAll();
        session.Log.Info("shutdown received.");
        return null;
    }
}
