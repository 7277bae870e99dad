using System.Text.Json;
using System.Text.Json.Serialization;

namespace LspCopilot.Engine.CpuVariants;

/// <summary>
/// How fast one CPU build ran the model: a prefill of fresh text and single-token decode steps, each the
/// best of a few runs. <see cref="ScoreMs"/> is what a user waits for: the first token of a short prompt
/// (the prefill and one decode step), then the rest of a short suggestion. Lower is better.
/// </summary>
public sealed record CpuVariantTiming(string Variant, int PrefillTokens, double PrefillMs, int DecodeTokens, double DecodeMsPerToken)
{
    /// <summary>Tokens after the first that the score counts: about one line of code.</summary>
    public const int SuggestionTokens = 16;

    internal static JsonSerializerOptions JsonOptions { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Milliseconds to show a short suggestion after a fresh prompt: prefill, the first token, then <see cref="SuggestionTokens"/> more.</summary>
    public double ScoreMs => PrefillMs + ((1 + SuggestionTokens) * DecodeMsPerToken);

    /// <summary>The one JSON line <c>lspcopilot cpu-probe</c> prints.</summary>
    public string ToJsonLine() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>Reads a line <see cref="ToJsonLine"/> wrote; null when it is not one.</summary>
    public static CpuVariantTiming? TryParse(string? line)
    {
        if (string.IsNullOrWhiteSpace(line) || !line.TrimStart().StartsWith('{'))
        {
            return null;
        }

        try
        {
            var timing = JsonSerializer.Deserialize<CpuVariantTiming>(line, JsonOptions);
            return timing is { Variant.Length: > 0, PrefillMs: >= 0, DecodeMsPerToken: >= 0 } && double.IsFinite(timing.ScoreMs) ? timing : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
