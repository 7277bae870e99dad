using System.Text;
using LspCopilot.TestSupport;

namespace LspCopilot.Server.Tests.Transport;

/// <summary>Bad bytes on the wire: the connection closes; it never hangs or crashes the process.</summary>
public sealed class FramingTests
{
    private static async Task<int> SendAndExpectDisconnectAsync(params byte[][] chunks)
    {
        await using var server = InMemoryServer.StartRaw(modelPath: null);
        foreach (var chunk in chunks)
        {
            await server.Raw.SendRawAsync(chunk);
        }

        await server.Raw.Closed.WaitAsync(TimeSpan.FromSeconds(20));
        return await server.Run.WaitAsync(TimeSpan.FromSeconds(20));
    }

    private static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);

    [Fact]
    public async Task NoContentLength_Disconnects()
    {
        Assert.Equal(1, await SendAndExpectDisconnectAsync(Ascii("Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n{}")));
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("-5")]
    [InlineData("0")]
    [InlineData("123456789012345678901")]
    public async Task BadContentLength_DisconnectsBeforeReadingABody(string value)
    {
        Assert.Equal(1, await SendAndExpectDisconnectAsync(Ascii($"Content-Length: {value}\r\n\r\n")));
    }

    [Fact]
    public async Task ContentLengthOverCap_RefusedWithoutAllocating()
    {
        Assert.Equal(1, await SendAndExpectDisconnectAsync(Ascii($"Content-Length: {40L * 1024 * 1024}\r\n\r\n")));
    }

    [Fact]
    public async Task MegabytesOfHeaderWithoutNewline_HitsTheHeaderCap()
    {
        Assert.Equal(1, await SendAndExpectDisconnectAsync(Ascii("X-Junk: " + new string('a', 2 * 1024 * 1024))));
    }

    [Fact]
    public async Task BareNewlineLineEndings_Disconnect()
    {
        Assert.Equal(1, await SendAndExpectDisconnectAsync(Ascii("Content-Length: 2\n\n{}")));
    }

    [Fact]
    public async Task Utf16Charset_Disconnects()
    {
        Assert.Equal(1, await SendAndExpectDisconnectAsync(Ascii("Content-Type: application/vscode-jsonrpc; charset=utf-16\r\nContent-Length: 2\r\n\r\n{}")));
    }

    [Fact]
    public async Task HttpRequestLine_Disconnects()
    {
        Assert.Equal(1, await SendAndExpectDisconnectAsync(Ascii("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")));
    }

    [Fact]
    public async Task OriginHeader_Disconnects()
    {
        Assert.Equal(1, await SendAndExpectDisconnectAsync(Ascii("Origin: http://evil.example\r\nContent-Length: 2\r\n\r\n{}")));
    }

    [Fact]
    public async Task InvalidJson_Disconnects_ProcessSurvives()
    {
        Assert.Equal(1, await SendAndExpectDisconnectAsync(Ascii("Content-Length: 5\r\n\r\n{nope")));
    }

    [Fact]
    public async Task OneByteChunksAndSeveralMessagesInOneChunk_DecodeIdentically()
    {
        await using var server = InMemoryServer.StartRaw(modelPath: null);
        static string Frame(string json) => $"Content-Length: {Encoding.UTF8.GetByteCount(json)}\r\n\r\n{json}";
        var initialize = Frame("""{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}}""");
        foreach (var b in Encoding.UTF8.GetBytes(initialize))
        {
            await server.Raw.SendRawAsync([b]);
        }

        var two = Frame("""{"jsonrpc":"2.0","method":"initialized","params":{}}""") + Frame("""{"jsonrpc":"2.0","id":2,"method":"shutdown"}""");
        await server.Raw.SendRawAsync(Encoding.UTF8.GetBytes(two));
        var shutdown = await server.Raw.WaitForAsync(m => m.TryGetProperty("id", out var id) && id.GetInt32() == 2);

        Assert.True(server.Raw.Received.First(m => m.TryGetProperty("id", out var id) && id.GetInt32() == 1).TryGetProperty("result", out _));
        Assert.True(shutdown.TryGetProperty("result", out _));
    }
}
