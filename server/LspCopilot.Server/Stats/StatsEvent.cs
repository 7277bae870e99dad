using System.Text.Json.Serialization;

namespace LspCopilot.Server.Stats;

/// <summary>
/// One line of the local statistics store: a fact about one suggestion. Every event carries the editor, language
/// and model it belongs to, so a summary never needs the suggestion's other lines (they may have been rotated out).
/// </summary>
public sealed record StatsEvent
{
    /// <summary>One of <see cref="StatsKinds"/>.</summary>
    [JsonPropertyName("kind")]
    public required string Kind { get; init; }

    /// <summary>The suggestion's id, as the item's command carried it.</summary>
    [JsonPropertyName("id")]
    public required string Id { get; init; }

    /// <summary>When it happened, Unix milliseconds (UTC).</summary>
    [JsonPropertyName("ts")]
    public long Timestamp { get; init; }

    /// <summary>The editor's clientInfo.name ("unnamed editor" when it sent none).</summary>
    [JsonPropertyName("editor")]
    public string? Editor { get; init; }

    [JsonPropertyName("language")]
    public string? Language { get; init; }

    [JsonPropertyName("model")]
    public string? Model { get; init; }

    /// <summary>Why generation stopped (served only): end of generation, end of line, token limit, stopper, cached…</summary>
    [JsonPropertyName("stop")]
    public string? Stop { get; init; }

    /// <summary>From the keystroke (the document's last edit before the request) to the first text sent (served only).</summary>
    [JsonPropertyName("latencyMs")]
    public double? LatencyMs { get; init; }

    /// <summary>Served: the suggestion's length; accepted and partial: the characters accepted.</summary>
    [JsonPropertyName("chars")]
    public int? Chars { get; init; }

    /// <summary>Served only: the editor said it reports shown/accepted events (so no acceptance means 0%, not "no data").</summary>
    [JsonPropertyName("reports")]
    public bool? Reports { get; init; }

    [JsonIgnore]
    public DateTimeOffset Time => DateTimeOffset.FromUnixTimeMilliseconds(Timestamp);
}

/// <summary>The kinds of <see cref="StatsEvent"/>.</summary>
public static class StatsKinds
{
    /// <summary>The server answered with the suggestion.</summary>
    public const string Served = "served";

    /// <summary>The editor displayed it (textDocument/didShowCompletion).</summary>
    public const string Shown = "shown";

    /// <summary>The user took all of it (the item's command ran).</summary>
    public const string Accepted = "accepted";

    /// <summary>The user took part of it (textDocument/didPartiallyAcceptCompletion).</summary>
    public const string Partial = "partial";
}
