using System.IO.Pipes;
using LspCopilot.Completion;
using LspCopilot.Server.Hosting;
using LspCopilot.Server.Worker;

namespace LspCopilot.Server.Tests.Worker;

/// <summary>The pieces that take the worker's thread hops out (issue 14 §1), on real OS pipes.</summary>
public sealed class WorkerHandOffTests
{
    [Fact]
    public async Task DedicatedReader_OsPipe_ReaderResumesOnItsThreadBytesInOrderEndsWithThePipe()
    {
        using var server = new AnonymousPipeServerStream(PipeDirection.Out);
        using var client = new AnonymousPipeClientStream(PipeDirection.In, server.ClientSafePipeHandle);
        var reader = DedicatedReader.Start(client, "test reader");

        // Waiting before the bytes exist: the reader goes on where they arrive.
        var pending = reader.ReadAsync();
        Assert.False(pending.IsCompleted);
        var resumedOn = ThreadAfterAsync(pending);
        server.Write("hello, "u8);
        server.Flush();
        var (first, thread) = await resumedOn.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("test reader", thread);
        var bytes = new List<byte>(System.Buffers.BuffersExtensions.ToArray(first.Buffer));
        reader.AdvanceTo(first.Buffer.End);
        server.Write("worker"u8);
        server.Dispose();
        while (true)
        {
            var result = await reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
            bytes.AddRange(System.Buffers.BuffersExtensions.ToArray(result.Buffer));
            reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                break;
            }
        }

        Assert.Equal("hello, worker"u8.ToArray(), bytes.ToArray());

        static async Task<(System.IO.Pipelines.ReadResult Result, string? Thread)> ThreadAfterAsync(ValueTask<System.IO.Pipelines.ReadResult> read)
        {
            var result = await read.ConfigureAwait(false);
            return (result, Thread.CurrentThread.Name);
        }
    }

    [Fact]
    public async Task InlineWriteStream_WriteAsync_WrittenBeforeItReturns()
    {
        using var server = new AnonymousPipeServerStream(PipeDirection.In);
        using var file = new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(server.ClientSafePipeHandle.DangerousGetHandle(), ownsHandle: false), FileAccess.Write, bufferSize: 1);
        using var stream = new InlineWriteStream(file);

        var write = stream.WriteAsync("abc"u8.ToArray());
        var flush = stream.FlushAsync();

        Assert.True(write.IsCompletedSuccessfully);
        Assert.True(flush.IsCompletedSuccessfully);
        var buffer = new byte[3];
        await server.ReadExactlyAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("abc"u8.ToArray(), buffer);
    }

    [Fact]
    public void InlineSynchronizationContext_Post_RunsOnThePostingThreadBeforeReturning()
    {
        var ran = -1;
        new InlineSynchronizationContext().Post(_ => ran = Environment.CurrentManagedThreadId, null);

        Assert.Equal(Environment.CurrentManagedThreadId, ran);
    }

    [Fact]
    public void StageTraceLog_FormatThenParse_GivesTheTokenAndEveryMark()
    {
        var trace = new LatencyTrace { Key = "cold-3" };
        trace.Mark(LatencyTrace.Stages.Received, 100);
        trace.Mark(LatencyTrace.Stages.FirstTextFromWorker, 250);

        var parsed = StageTraceLog.Parse(StageTraceLog.Format("cold-3", trace));

        Assert.NotNull(parsed);
        Assert.Equal("cold-3", parsed.Value.Key);
        Assert.Equal(new Dictionary<string, long> { [LatencyTrace.Stages.Received] = 100, [LatencyTrace.Stages.FirstTextFromWorker] = 250 }, parsed.Value.Marks);
        Assert.Null(StageTraceLog.Parse("[12:00:00.000 info] Model ready"));
    }
}
