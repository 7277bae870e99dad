namespace LspCopilot.Server.Hosting.Power;

/// <summary>
/// What the power figures need beyond the readings: the watts of the rest of the box (board, drives, fans, PSU losses:
/// neither nvidia-smi nor RAPL sees them), the electricity price and the hours a day the box works, and how long the
/// idle baseline and the sampling interval are.
/// </summary>
public sealed record PowerSettings
{
    public double? BaseWatts { get; init; }

    public double? PricePerKwh { get; init; }

    public double? HoursPerDay { get; init; }

    public TimeSpan IdleBaseline { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan Interval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Days in an average month (365.25 / 12).</summary>
    public const double DaysPerMonth = 30.4375;
}
