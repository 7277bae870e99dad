using LspCopilot.Server.Protocol;
using LspCopilot.Server.Rpc;
using StreamJsonRpc;

namespace LspCopilot.Server.Handlers;

/// <summary>
/// Files edited outside the editor (git checkout, a formatter, another tool): the editor's watcher, which
/// <see cref="InitializedHandler"/> registers, reports them, and the C# workspace reads them again — so the
/// context and the compile check never use a stale copy of a file the editor does not hold open.
/// </summary>
internal sealed class DidChangeWatchedFilesHandler(LspSession session)
{
    [JsonRpcMethod(LspMethods.DidChangeWatchedFiles, UseSingleObjectParameterDeserialization = true)]
    public void DidChangeWatchedFiles(DidChangeWatchedFilesParams? parameters = null)
    {
        if (!session.Lifecycle.AcceptsNotifications || parameters?.Changes is not { } changes)
        {
            return;
        }

        foreach (var change in changes)
        {
            if (change?.Uri is { Length: > 0 } uri && change.Type is >= 1 and <= 3)
            {
                // Not through the request queue: a file open in the editor keeps the editor's text, so no request is stale.
                session.OnWatchedFileChanged(uri, change.Type);
            }
        }
    }
}
