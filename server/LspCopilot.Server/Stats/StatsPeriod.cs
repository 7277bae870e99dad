using System.Globalization;

namespace LspCopilot.Server.Stats;

/// <summary>Reads <c>--since</c>: <c>7d</c>, <c>12h</c>, <c>30m</c>, <c>2w</c>, <c>today</c> (since local midnight) or <c>all</c>.</summary>
public static class StatsPeriod
{
    public const string Default = "7d";

    /// <summary>The start of the period (null: everything), or false with a message that shows the accepted forms.</summary>
    public static bool TryParse(string? text, DateTimeOffset now, out DateTimeOffset? since, out string? error)
    {
        since = null;
        error = null;
        var value = (text ?? Default).Trim().ToLowerInvariant();
        if (value == "all")
        {
            return true;
        }

        if (value == "today")
        {
            since = Today(now);
            return true;
        }

        if (value.Length >= 2 && int.TryParse(value[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0)
        {
            TimeSpan? span = value[^1] switch
            {
                'm' => TimeSpan.FromMinutes(n),
                'h' => TimeSpan.FromHours(n),
                'd' => TimeSpan.FromDays(n),
                'w' => TimeSpan.FromDays(7 * n),
                _ => null,
            };
            if (span is { } length)
            {
                since = now - length;
                return true;
            }
        }

        error = $"--since '{text}' is not a period: use a number and a unit (30m, 12h, 7d, 2w), 'today' or 'all'.";
        return false;
    }

    /// <summary>Local midnight of <paramref name="now"/>'s day.</summary>
    public static DateTimeOffset Today(DateTimeOffset now)
    {
        var local = now.ToLocalTime();
        return new DateTimeOffset(local.Date, local.Offset);
    }
}
