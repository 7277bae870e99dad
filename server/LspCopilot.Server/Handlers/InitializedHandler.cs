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
