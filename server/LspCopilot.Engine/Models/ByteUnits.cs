using System.Globalization;

namespace LspCopilot.Engine.Models;

/// <summary>Human-readable sizes and counts for the model and doctor commands.</summary>
public static class ByteUnits
{
    private static readonly string[] s_units = ["B", "KiB", "MiB", "GiB", "TiB"];

    /// <summary>e.g. 1,646,573,056 → "1.53 GiB".</summary>
    public static string Format(long bytes)
    {
        double value = bytes;
        var unit = 0;
        while (Math.Abs(value) >= 1024 && unit < s_units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return unit == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{bytes} B")
            : string.Create(CultureInfo.InvariantCulture, $"{value:0.##} {s_units[unit]}");
    }

    /// <summary>e.g. 1,543,714,304 → "1.54B", 292,352 → "292.4K".</summary>
    public static string Count(long count) => count switch
    {
        >= 1_000_000_000 => string.Create(CultureInfo.InvariantCulture, $"{count / 1e9:0.##}B"),
        >= 1_000_000 => string.Create(CultureInfo.InvariantCulture, $"{count / 1e6:0.##}M"),
        >= 1_000 => string.Create(CultureInfo.InvariantCulture, $"{count / 1e3:0.#}K"),
        _ => count.ToString(CultureInfo.InvariantCulture),
    };
}
