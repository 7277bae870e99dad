using System.Text.Json;

namespace LspCopilot.Server.Protocol;

/// <summary>textDocument/didShowCompletion: the item as the server sent it (its command's argument is the suggestion's id).</summary>
public sealed record DidShowCompletionParams
{
    public JsonElement? Item { get; init; }
}

/// <summary>textDocument/didPartiallyAcceptCompletion: the item and how many of its characters the user took.</summary>
public sealed record DidPartiallyAcceptCompletionParams
{
    public JsonElement? Item { get; init; }
    public int? AcceptedLength { get; init; }
}

/// <summary>lspcopilot/stats: the period, as <c>lspcopilot stats --since</c> takes it (default "today").</summary>
public sealed record StatsParams
{
    public string? Since { get; init; }
}

/// <summary>
/// The answer to lspcopilot/stats: every editor's suggestions in the period (<see cref="Total"/>) and this editor's
/// (<see cref="Editor"/>, null when it has none). A row's acceptanceRate is null and its note says "no data from this
/// editor" when its suggestions came from an editor that never reports show/accept events.
/// </summary>
public sealed record StatsResult(DateTimeOffset? Since, int Suggestions, StatsRowResult Total, StatsRowResult? Editor);

public sealed record StatsRowResult(string Name, int Served, int Shown, int Accepted, int PartiallyAccepted, long CharsAccepted, double? AcceptanceRate, string? Note, double? P50Ms, double? P95Ms);
