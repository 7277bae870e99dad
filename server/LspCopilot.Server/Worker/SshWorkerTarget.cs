using System.Globalization;

namespace LspCopilot.Server.Worker;

/// <summary>A machine to run the inference worker on over the user's own ssh: <c>ssh://[user@]host[:port]</c>.</summary>
public sealed record SshWorkerTarget(string Host, string? User, int? Port)
{
    public const string Scheme = "ssh://";

    public static bool IsSsh(string? text) => text?.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) == true;

    public static bool TryParse(string? text, out SshWorkerTarget? target, out string? error)
    {
        target = null;
        error = null;
        if (!IsSsh(text))
        {
            error = $"'{text}' is not ssh://[user@]host[:port].";
            return false;
        }

        var rest = text![Scheme.Length..].TrimEnd('/');
        string? user = null;
        var at = rest.LastIndexOf('@');
        if (at >= 0)
        {
            user = rest[..at];
            rest = rest[(at + 1)..];
        }

        int? port = null;
        var colon = rest.LastIndexOf(':');
        if (colon > 0 && !rest.EndsWith(']'))
        {
            if (!int.TryParse(rest[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var p) || p is < 1 or > 65535)
            {
                error = $"'{text}': the port must be a number from 1 to 65535.";
                return false;
            }

            port = p;
            rest = rest[..colon];
        }

        var host = rest.Trim('[', ']');
        if (host.Length == 0 || user is { Length: 0 } || host.Any(c => char.IsWhiteSpace(c) || c is '/' or '\'' or '"' || c == '-' && host[0] == '-'))
        {
            error = $"'{text}' is not ssh://[user@]host[:port].";
            return false;
        }

        target = new SshWorkerTarget(host, user, port);
        return true;
    }

    public override string ToString() =>
        Scheme + (User is null ? string.Empty : User + "@") + Host + (Port is int p ? ":" + p.ToString(CultureInfo.InvariantCulture) : string.Empty);
}
