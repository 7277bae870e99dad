using System.Globalization;
using System.Text;
using LspCopilot.Completion;

namespace LspCopilot.Server.Hosting;

/// <summary>
/// When <see cref="Variable"/> is set, the real server writes each traced request's stage marks to stderr
/// (one line, <see cref="Prefix"/> then the request's partial result token and stage=timestamp pairs, on
/// <see cref="System.Diagnostics.Stopwatch.GetTimestamp"/>'s clock, which every process on the machine shares),
/// so that <c>bench --suite worker</c> can itemise what an editor's request spent in a real server process and its worker.
/// </summary>
public static class StageTraceLog
{
    public const string Variable = "LSPCOPILOT_TRACE_STAGES";

    public const string Prefix = "lspcopilot-trace ";

    /// <summary>Turns the trace sink on when the environment asks for it; off (no trace objects at all) otherwise.</summary>
    public static void EnableFromEnvironment()
    {
        if (Environment.GetEnvironmentVariable(Variable) is not { Length: > 0 })
        {
            return;
        }

        LatencyTrace.Sink = static (key, trace) => Console.Error.WriteLine(Format(key, trace));
    }

    public static string Format(string key, LatencyTrace trace)
    {
        var line = new StringBuilder(Prefix).Append(key);
        foreach (var (stage, at) in trace.Marks.OrderBy(m => m.Value))
        {
            line.Append(' ').Append(stage).Append('=').Append(at.ToString(CultureInfo.InvariantCulture));
        }

        return line.ToString();
    }

    /// <summary>Reads a line of <see cref="Format"/> back: the token and its marks, or null when the line is something else.</summary>
    public static (string Key, Dictionary<string, long> Marks)? Parse(string line)
    {
        if (!line.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var parts = line[Prefix.Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var marks = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var part in parts.Skip(1))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0 && long.TryParse(part.AsSpan(equals + 1), NumberStyles.Integer, CultureInfo.InvariantCulture, out var at))
            {
                marks[part[..equals]] = at;
            }
        }

        return parts.Length == 0 ? null : (parts[0], marks);
    }
}
