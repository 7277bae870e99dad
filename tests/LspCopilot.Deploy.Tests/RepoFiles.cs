using LspCopilot.TestSupport;

namespace LspCopilot.Deploy.Tests;

/// <summary>The deployment files in the repository, and the configuration the tests were built in.</summary>
internal static class RepoFiles
{
    public static string Deploy(string name) => Path.Combine(RepoPaths.Root, "deploy", name);

    public static string Configuration =>
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";

    /// <summary>The framework-dependent build of the server (holds the <c>lspcopilot</c> apphost).</summary>
    public static string ServerBuildFolder => Path.GetDirectoryName(RepoPaths.ServerDll)!;

    public static string ServerProject => Path.Combine(RepoPaths.Root, "server", "LspCopilot.Server", "LspCopilot.Server.csproj");

    /// <summary>The value after <paramref name="flag"/> in a command line.</summary>
    public static string ValueOf(IReadOnlyList<string> command, string flag)
    {
        var index = command.ToList().IndexOf(flag);
        Assert.True(index >= 0 && index + 1 < command.Count, $"{flag} VALUE is missing from: {string.Join(' ', command)}");
        return command[index + 1];
    }

    /// <summary>A free TCP port on this machine (bound and released).</summary>
    public static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
