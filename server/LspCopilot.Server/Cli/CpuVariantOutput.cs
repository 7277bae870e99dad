using System.Globalization;
using System.Text.Json.Nodes;
using LspCopilot.Engine.CpuVariants;

namespace LspCopilot.Server.Cli;

/// <summary>The CPU build measurements as <c>doctor</c> and <c>model info</c> show them, in text and JSON.</summary>
public static class CpuVariantOutput
{
    public const string NotMeasured = "not measured yet";

    /// <summary>One model's line: the choice and its timings, or why there is none.</summary>
    public static string ModelText(CpuVariantStatus status, CpuVariantRecord? record) =>
        status.NotApplicable is { } why ? $"no choice here: {why}"
        : record is null ? $"{NotMeasured} on this machine (measured when the model first loads with --cpu-variant auto)"
        : $"{record.Describe()}, measured {record.MeasuredUtc.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC with {record.Threads} threads";

    /// <summary>One model's measurement: status "measured" with the timings, "not measured yet", or "not applicable" with the reason.</summary>
    public static JsonObject ModelJson(CpuVariantStatus status, CpuVariantRecord? record)
    {
        if (status.NotApplicable is { } why)
        {
            return new JsonObject { ["status"] = "not applicable", ["reason"] = why };
        }

        if (record is null)
        {
            return new JsonObject { ["status"] = NotMeasured };
        }

        return new JsonObject
        {
            ["status"] = "measured",
            ["model"] = record.Model.Path,
            ["chosen"] = record.Chosen,
            ["default"] = record.Default,
            ["speedup"] = record.Speedup is double speedup ? Math.Round(speedup, 3) : null,
            ["threads"] = record.Threads,
            ["measured_at"] = record.MeasuredUtc.ToString("O", CultureInfo.InvariantCulture),
            ["timings"] = new JsonArray([.. record.Timings.Select(t => new JsonObject
            {
                ["variant"] = t.Variant,
                ["prefill_tokens"] = t.PrefillTokens,
                ["prefill_ms"] = Math.Round(t.PrefillMs, 3),
                ["decode_ms_per_token"] = Math.Round(t.DecodeMsPerToken, 4),
                ["score_ms"] = Math.Round(t.ScoreMs, 3),
            })]),
        };
    }

    /// <summary>The machine's section of <c>doctor --json</c>.</summary>
    public static JsonObject MachineJson(CpuVariantStatus status, string requested, string loads, string? modelPath) => new()
    {
        ["requested"] = requested,
        ["loads"] = loads,
        ["candidates"] = new JsonArray([.. status.Candidates.Select(c => JsonValue.Create(c))]),
        ["default"] = status.Default,
        ["not_applicable"] = status.NotApplicable,
        ["cache_file"] = status.CacheFile,
        ["model"] = modelPath is null ? null : ModelJson(status, status.ForModel),
        ["measured"] = new JsonArray([.. status.Measured.Select(r => (JsonNode)ModelJson(status with { NotApplicable = null }, r))]),
    };
}
