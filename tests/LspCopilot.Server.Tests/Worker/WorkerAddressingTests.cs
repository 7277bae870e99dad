using LspCopilot.Server.Configuration;
using LspCopilot.Server.Worker;
using LspCopilot.TestSupport;

namespace LspCopilot.Server.Tests.Worker;

/// <summary>Worker addresses and tokens: parsing, loopback, constant-time comparison, token files.</summary>
public sealed class WorkerAddressingTests
{
    [Theory]
    [InlineData("127.0.0.1:7000", "127.0.0.1", 7000, true)]
    [InlineData("localhost:0", "localhost", 0, true)]
    [InlineData("[::1]:7000", "::1", 7000, true)]
    [InlineData("0.0.0.0:7000", "0.0.0.0", 7000, false)]
    [InlineData("192.168.1.20:7000", "192.168.1.20", 7000, false)]
    public void TryParse_HostAndPort_ParsedWithLoopbackKnown(string text, string host, int port, bool loopback)
    {
        Assert.True(WorkerEndpoint.TryParse(text, out var endpoint, out _));
        Assert.Equal(host, endpoint!.Host);
        Assert.Equal(port, endpoint.Port);
        Assert.Equal(loopback, endpoint.IsLoopback);
    }

    [Theory]
    [InlineData("7000")]
    [InlineData("127.0.0.1")]
    [InlineData("127.0.0.1:70000")]
    [InlineData("127.0.0.1:-1")]
    [InlineData(":7000")]
    public void TryParse_NotHostColonPort_ErrorShowsTheExpectedForm(string text)
    {
        Assert.False(WorkerEndpoint.TryParse(text, out _, out var error));
        Assert.Contains("127.0.0.1:7000", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryGetBindAddress_HostName_RefusedWithAdvice()
    {
        Assert.True(WorkerEndpoint.TryParse("example.com:7000", out var endpoint, out _));

        Assert.False(endpoint!.TryGetBindAddress(out _, out var error));
        Assert.Contains("IP address", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("secret", "secret", true)]
    [InlineData("secret", "secreT", false)]
    [InlineData("secret", "secret-longer", false)]
    [InlineData(null, "secret", false)]
    [InlineData("", "secret", false)]
    public void Matches_ComparesWholeTokens(string? given, string expected, bool matches) =>
        Assert.Equal(matches, AccessToken.Matches(given, expected));

    [Fact]
    public void TryResolve_TokenFile_TrimmedContents()
    {
        using var folder = new TempFolder();
        var file = Path.Combine(folder.Path, "token");
        File.WriteAllText(file, "  s3cret-token\n");

        Assert.True(AccessToken.TryResolve(file, out var token, out _));
        Assert.Equal("s3cret-token", token);
    }

    [Fact]
    public void TryResolve_EmptyTokenFile_RefusedWithHowToMakeOne()
    {
        using var folder = new TempFolder();
        var file = Path.Combine(folder.Path, "token");
        File.WriteAllText(file, "\n");

        Assert.False(AccessToken.TryResolve(file, out _, out var error));
        Assert.Contains("empty", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryResolve_MissingTokenFile_RefusedNamingTheFile()
    {
        var file = Path.Combine(Path.GetTempPath(), "lspcopilot-no-such-token-file");

        Assert.False(AccessToken.TryResolve(file, out _, out var error));
        Assert.Contains(file, error, StringComparison.Ordinal);
    }
}
