using LspCopilot.Completion;
using LspCopilot.Server.Protocol;
using LspCopilot.Server.Rpc;
using StreamJsonRpc;

namespace LspCopilot.Server.Handlers;

/// <summary>
/// textDocument/completion for editors without inline completion: the suggestion as one item whose
/// label is its first line and whose edit inserts all of it at the cursor.
/// </summary>
internal sealed class CompletionHandler(LspSession session)
{
    [JsonRpcMethod(LspMethods.Completion, UseSingleObjectParameterDeserialization = true)]
    public async Task<CompletionList> CompletionAsync(CompletionParams request, CancellationToken cancellationToken)
    {
        var served = new ServedSuggestions(session, request.TextDocument?.Uri);
        var result = await SuggestionRunner.RunAsync(session, request.TextDocument, request.Position, null, cancellationToken).ConfigureAwait(false);
        if (result?.Suggestion is not { Text.Length: > 0 } suggestion)
        {
            return new CompletionList(IsIncomplete: true, []);
        }

        // Recorded as served; no command: an editor's completion menu gives no acceptance event to attach it to.
        served.Served(result);
        var text = suggestion.Text;
        var firstLine = text.Split('\n')[0].Trim();
        var item = new CompletionItem
        {
            Label = firstLine.Length > 0 ? firstLine : text.Trim(),
            Kind = 1,
            Detail = "LspCopilot",
            TextEdit = new TextEdit(new Protocol.Range(result.Position, result.Position), text),
            SortText = "0",
            FilterText = string.Empty,
        };
        return new CompletionList(IsIncomplete: true, [item]);
    }
}
