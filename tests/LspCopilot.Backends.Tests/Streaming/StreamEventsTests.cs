using System.Text;
using LspCopilot.Backends.Http;
using LspCopilot.Backends.Streaming;

namespace LspCopilot.Backends.Tests.Streaming;

/// <summary>SSE and NDJSON as the servers write them, and as broken servers do.</summary>
public sealed class StreamEventsTests
{
    private static async Task<List<string>> ReadAllAsync(string body, StreamFormat format, BackendLimits? limits = null)
    {
        using var reader = new LineReader(new MemoryStream(Encoding.UTF8.GetBytes(body)), limits ?? new BackendLimits(), "test server at http://x", () => { });
        var events = new StreamEvents(reader, format, "test server at http://x");
        var payloads = new List<string>();
        while (await events.NextAsync(TestContext.Current.CancellationToken) is { } payload)
        {
            payloads.Add(payload);
        }

        return payloads;
    }

    [Fact]
    public async Task Sse_DataLinesCommentsAndDone_PayloadsInOrder()
    {
        var payloads = await ReadAllAsync(": keep-alive\r\n\r\nevent: chunk\r\ndata: {\"a\":1}\r\n\r\ndata: {\"a\":2}\n\ndata: [DONE]\n\n", StreamFormat.ServerSentEvents);

        Assert.Equal(["{\"a\":1}", "{\"a\":2}", StreamEvents.Done], payloads);
    }

    [Fact]
    public async Task Sse_EventOfSeveralDataLines_JoinedWithNewlines()
    {
        var payloads = await ReadAllAsync("data: {\"a\":\ndata: 1}\n\n", StreamFormat.ServerSentEvents);

        Assert.Equal(["{\"a\":\n1}"], payloads);
    }

    [Fact]
    public async Task Sse_LastEventWithoutBlankLine_StillRead()
    {
        var payloads = await ReadAllAsync("data: {\"a\":1}", StreamFormat.ServerSentEvents);

        Assert.Equal(["{\"a\":1}"], payloads);
    }

    [Fact]
    public async Task Sse_ErrorField_ThrowsWithTheServersMessage()
    {
        var error = await Assert.ThrowsAsync<BackendException>(() => ReadAllAsync("data: {\"a\":1}\n\nerror: {\"error\":{\"message\":\"slot crashed\"}}\n\n", StreamFormat.ServerSentEvents));

        Assert.Contains("slot crashed", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sse_PlainJsonBody_OnePayload()
    {
        var payloads = await ReadAllAsync("{\"content\":\"x\",\"stop\":true}\n", StreamFormat.ServerSentEvents);

        Assert.Equal(["{\"content\":\"x\",\"stop\":true}"], payloads);
    }

    [Fact]
    public async Task NdJson_BlankLinesSkipped()
    {
        var payloads = await ReadAllAsync("{\"a\":1}\n\n{\"a\":2}\r\n", StreamFormat.NdJson);

        Assert.Equal(["{\"a\":1}", "{\"a\":2}"], payloads);
    }

    [Fact]
    public async Task LineOverTheLimit_ThrowsInsteadOfGrowing()
    {
        var error = await Assert.ThrowsAsync<BackendException>(() => ReadAllAsync("data: " + new string('a', 100_000) + "\n\n", StreamFormat.ServerSentEvents, new BackendLimits { LineBytes = 64 * 1024 }));

        Assert.Contains("line longer than 64 KiB", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BodyOverTheLimit_Throws()
    {
        var body = string.Concat(Enumerable.Repeat("data: {\"a\":1}\n\n", 10_000));

        var error = await Assert.ThrowsAsync<BackendException>(() => ReadAllAsync(body, StreamFormat.ServerSentEvents, new BackendLimits { ResponseBytes = 1024 * 1024 / 8 }));

        Assert.Contains("more than", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvalidUtf8_Throws()
    {
        using var reader = new LineReader(new MemoryStream([(byte)'d', 0xFF, 0xFE, (byte)'\n']), new BackendLimits(), "test server", () => { });

        await Assert.ThrowsAsync<BackendException>(() => reader.ReadLineAsync(TestContext.Current.CancellationToken));
    }
}
