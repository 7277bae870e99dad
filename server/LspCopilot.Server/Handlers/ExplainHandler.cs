using LspCopilot.Server.Protocol;
using LspCopilot.Server.Rpc;
using StreamJsonRpc;

namespace LspCopilot.Server.Handlers;

/// <summary>lspcopilot/explain: explains code, streaming Markdown as $/progress partial results; follow-ups continue a conversation (<see cref="Explanations"/>).</summary>
internal sealed class ExplainHandler(LspSession session)
{
    [JsonRpcMethod(LspMethods.Explain, UseSingleObjectParameterDeserialization = true)]
    public Task<ExplainResult> ExplainAsync(ExplainParams request, CancellationToken cancellationToken) =>
        Explanations.RunAsync(session, request, cancellationToken);
}
