using LspCopilot.Server.Protocol;
using LspCopilot.Server.Rpc;
using StreamJsonRpc;

namespace LspCopilot.Server.Handlers;

internal sealed class ExitHandler(LspSession session)
{
    [JsonRpcMethod(LspMethods.Exit)]
    public void Exit()
    {
        session.CancelAll();
        session.Lifecycle.Exit();
    }
}
