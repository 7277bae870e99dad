using System.Text.Json;
using LspCopilot.Server.Protocol;
using LspCopilot.Server.Rpc;
using StreamJsonRpc;

namespace LspCopilot.Server.Handlers;

internal sealed class InitializedHandler(LspSession session)
{
    [JsonRpcMethod(LspMethods.Initialized, UseSingleObjectParameterDeserialization = true)]
    public void Initialized(JsonElement? parameters)
    {
        _ = parameters;
        if (!session.Lifecycle.AcceptsNotifications)
        {
            return;
        }

        _ = ReportModelLoadAsync();
        _ = WatchFilesAsync();
    }

    /// <summary>Asks the editor to report C# and project files changed on disk (workspace/didChangeWatchedFiles).</summary>
    private async Task WatchFilesAsync()
    {
        if (!session.Client.SupportsFileWatchers)
        {
            session.Log.Debug("The editor does not let the server watch files: files changed outside it are read again when opened or reloaded.");
            return;
        }

        var watchers = new DidChangeWatchedFilesRegistrationOptions([new("**/*.cs"), new("**/*.csproj"), new("**/Directory.*.props")]);
        try
        {
            await session.Rpc.InvokeWithParameterObjectAsync(
                LspMethods.RegisterCapability,
                new RegistrationParams([new Registration("lspcopilot-watch-files", LspMethods.DidChangeWatchedFiles, watchers)])).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RemoteInvocationException or ConnectionLostException or ObjectDisposedException)
        {
            session.Log.Debug($"The editor refused the file watchers: {ex.Message}");
        }
    }

    /// <summary>Shows a progress notification while the model loads, and the user one message if it fails.</summary>
    private async Task ReportModelLoadAsync()
    {
        var loading = session.Model.EngineAsync;
        string? token = null;
        if (!loading.IsCompleted)
        {
            session.ReportStatus(ServerStates.Loading, Path.GetFileName(session.Model.ModelPath));
        }

        if (!loading.IsCompleted && session.Client.SupportsWorkDoneProgress)
        {
            token = "lspcopilot/model-load/" + Guid.NewGuid().ToString("N");
            try
            {
                await session.Rpc.InvokeWithParameterObjectAsync(LspMethods.WorkDoneProgressCreate, new WorkDoneProgressCreateParams(token)).ConfigureAwait(false);
                await session.Notify(LspMethods.Progress, new ProgressParams<WorkDoneProgressBegin>(JsonSerializer.SerializeToElement(token), new WorkDoneProgressBegin("LspCopilot", $"Loading {Path.GetFileName(session.Model.ModelPath ?? "model")}…"))).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RemoteInvocationException or ConnectionLostException or ObjectDisposedException)
            {
                token = null;
            }
        }

        var engine = await loading.ConfigureAwait(false);
        if (token is not null)
        {
            var message = engine is null ? "Model unavailable" : $"Ready: {engine.ModelName}";
            await session.Notify(LspMethods.Progress, new ProgressParams<WorkDoneProgressEnd>(JsonSerializer.SerializeToElement(token), new WorkDoneProgressEnd(message))).ConfigureAwait(false);
        }

        if (engine is null && session.Model.Error is { } error)
        {
            session.ShowModelErrorOnce(error);
        }
        else if (engine is not null)
        {
            session.ReportStatus(ServerStates.Ready, engine.ModelName);
            session.Log.Info($"Model ready: {engine.ModelName} ({engine.Fim.Template}, context {engine.ContextSize}).");
        }
    }
}
