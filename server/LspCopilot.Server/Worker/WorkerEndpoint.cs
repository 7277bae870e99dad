using System.Globalization;
using System.Net;

namespace LspCopilot.Server.Worker;

/// <summary>A worker's address, HOST:PORT (an IPv6 host in brackets: [::1]:7000).</summary>
public sealed record WorkerEndpoint(string Host, int Port)
{
    public bool IsLoopback =>
        Host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(Host, out var ip) && IPAddress.IsLoopback(ip));

    public static bool TryParse(string? text, out WorkerEndpoint? endpoint, out string? error)
    {
        endpoint = null;
        error = null;
        var colon = text?.LastIndexOf(':') ?? -1;
        if (text is null || colon <= 0)
        {
            error = $"'{text}' is not HOST:PORT (for example 127.0.0.1:7000).";
            return false;
        }

        var host = text[..colon].Trim();
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
        }

        if (!int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > IPEndPoint.MaxPort || host.Length == 0)
        {
            error = $"'{text}' is not HOST:PORT with a port from 0 to 65535 (for example 127.0.0.1:7000).";
            return false;
        }

        endpoint = new WorkerEndpoint(host, port);
        return true;
    }

    /// <summary>The address to bind: an IP address, or loopback for "localhost".</summary>
    public bool TryGetBindAddress(out IPEndPoint? bind, out string? error)
    {
        bind = null;
        error = null;
        if (Host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            bind = new IPEndPoint(IPAddress.Loopback, Port);
            return true;
        }

        if (!IPAddress.TryParse(Host, out var ip))
        {
            error = $"Listen on an IP address (e.g. 127.0.0.1), not the host name '{Host}'.";
            return false;
        }

        bind = new IPEndPoint(ip, Port);
        return true;
    }

    public override string ToString() =>
        (Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]" : Host) + ":" + Port.ToString(CultureInfo.InvariantCulture);
}
