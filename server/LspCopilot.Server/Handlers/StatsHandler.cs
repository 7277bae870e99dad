using LspCopilot.Server.Protocol;
using LspCopilot.Server.Rpc;
using LspCopilot.Server.Stats;
using StreamJsonRpc;

namespace LspCopilot.Server.Handlers;

/// <summary>
/// lspcopilot/stats: the local acceptance statistics for a period (default today), every editor's and this one's —
/// what a status bar shows. Read from the store after this session's events are written.
/// </summary>
internal sealed class StatsHandler(LspSession session)
{
    [JsonRpcMethod(LspMethods.Stats, UseSingleObjectParameterDeserialization = true)]
    public async Task<StatsResult> StatsAsync(StatsParams? request, CancellationToken cancellationToken)
    {
        session.Lifecycle.EnsureRunning();
        var period = request?.Since ?? "today";
        if (!StatsPeriod.TryParse(period, DateTimeOffset.Now, out var since, out var error))
        {
            throw RpcErrors.InvalidParams(error!);
        }

        var store = session.Suggestions.Store;
        await store.FlushAsync(cancellationToken).ConfigureAwait(false);
        var summary = await Task.Run(() => StatsSummary.Compute(store.ReadAll(out _), since), cancellationToken).ConfigureAwait(false);
        var editor = summary.Editors.FirstOrDefault(row => row.Name == session.Suggestions.Editor);
        return new StatsResult(since, summary.Suggestions, Row(summary.Total), editor is null ? null : Row(editor));
    }

    private static StatsRowResult Row(StatsRow row) =>
        new(row.Name, row.Served, row.Shown, row.Accepted, row.PartiallyAccepted, row.CharsAccepted, row.AcceptanceRate, row.NoData ? StatsSummary.NoDataNote : null, row.P50Ms, row.P95Ms);
}
