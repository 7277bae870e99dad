using System.Text.Json;
using LspCopilot.Server.Protocol;
using LspCopilot.Server.Rpc;
using StreamJsonRpc;

namespace LspCopilot.Server.Handlers;

/// <summary>
/// workspace/executeCommand, for editors that speak only standard LSP: <c>lspcopilot.server.explain</c> takes
/// one argument shaped like lspcopilot/explain's params, returns the explanation's Markdown, and also sends it as
/// window/showMessage for clients that show nothing else. Nothing is written to the server's disk.
/// </summary>
internal sealed class ExecuteCommandHandler(LspSession session)
{
    [JsonRpcMethod(LspMethods.ExecuteCommand, UseSingleObjectParameterDeserialization = true)]
    public async Task<object?> ExecuteCommandAsync(ExecuteCommandParams request, CancellationToken cancellationToken)
    {
        session.Lifecycle.EnsureRunning();
        switch (request.Command)
        {
            case LspCommands.Explain:
                if (request.Arguments is not [{ ValueKind: JsonValueKind.Object } argument, ..])
                {
                    throw RpcErrors.InvalidParams($"{LspCommands.Explain} takes one argument: {{\"textDocument\": {{\"uri\": …}}, \"range\": …}} (optionally conversationId and question).");
                }

                var parameters = argument.Deserialize<ExplainParams>(LspJson.Options) ?? new ExplainParams();
                var result = await Explanations.RunAsync(session, parameters with { PartialResultToken = null }, cancellationToken).ConfigureAwait(false);
                await session.Notify(LspMethods.ShowMessage, new ShowMessageParams(MessageType.Info, result.Markdown)).ConfigureAwait(false);
                return result.Markdown;
            case LspCommands.CompletionAccepted:
                if (request.Arguments is not [{ ValueKind: JsonValueKind.String } id, ..])
                {
                    throw RpcErrors.InvalidParams($"{LspCommands.CompletionAccepted} takes one argument: the id in the accepted item's command.arguments[0].");
                }

                if (!session.Suggestions.Accepted(id.GetString()!))
                {
                    session.Log.Debug($"{LspCommands.CompletionAccepted}: not a suggestion of this session, or accepted before; not counted.");
                }

                return null;
            default:
                throw RpcErrors.InvalidParams($"Unknown command \"{request.Command}\": this server executes {string.Join(", ", LspCommands.All)}.");
        }
    }
}
