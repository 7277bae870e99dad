using System.Globalization;
using System.Net;

namespace LspCopilot.Server.Rpc;

/// <summary>A [HOST:]PORT to listen on; the host defaults to 127.0.0.1.</summary>
public sealed record TcpEndpoint(IPAddress Address, int Port)
{
    public bool IsLoopback => IPAddress.IsLoopback(Address);

    public static TcpEndpoint Parse(string text)
    {
        var value = text.Trim();
        string host;
        string port;
        if (value.StartsWith('['))
        {
            var close = value.IndexOf(']', StringComparison.Ordinal);
            host = close > 0 ? value[1..close] : throw Bad(text);
            port = value[(close + 1)..].TrimStart(':');
        }
        else if (value.Count(c => c == ':') == 1)
        {
            host = value[..value.IndexOf(':', StringComparison.Ordinal)];
            port = value[(value.IndexOf(':', StringComparison.Ordinal) + 1)..];
        }
        else
        {
            host = "127.0.0.1";
            port = value;
        }

        if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number is < 0 or > 65535)
        {
            throw Bad(text);
        }

        var address = host switch
        {
            "" or "localhost" => IPAddress.Loopback,
            "*" => IPAddress.Any,
            _ when IPAddress.TryParse(host, out var parsed) => parsed,
            _ => throw new ArgumentException($"'{host}' is not an IP address: give --tcp an address such as 127.0.0.1:7007 (or a port alone for 127.0.0.1)."),
        };
        return new TcpEndpoint(address, number);
    }

    public override string ToString() => new IPEndPoint(Address, Port).ToString();

    private static ArgumentException Bad(string text) => new($"'{text}' is not [HOST:]PORT, e.g. 7007 or 127.0.0.1:7007.");
}
