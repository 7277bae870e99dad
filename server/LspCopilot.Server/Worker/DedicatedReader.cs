using System.IO.Pipelines;

namespace LspCopilot.Server.Worker;

/// <summary>
/// Reads a stream on a thread of its own, with blocking reads, and hands the bytes to a pipe whose reader
/// continues inline on that same thread. A message from the worker then costs one wake-up (this thread's
/// read returning) instead of three (the runtime's I/O thread, a pool thread for the read's continuation,
/// another for the dispatch) — each of which waits for a core that llama.cpp's threads, spinning between
/// tokens, are holding (issue 14 §1). The thread ends when the stream does (the worker exits) or the
/// reader is completed and another read returns.
/// </summary>
internal static class DedicatedReader
{
    private const int ReadSize = 16 * 1024;

    public static PipeReader Start(Stream stream, string name)
    {
        var pipe = new Pipe(new PipeOptions(readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.Inline, useSynchronizationContext: false));
        var thread = new Thread(() => Pump(stream, pipe.Writer)) { IsBackground = true, Name = name };
        thread.Start();
        return pipe.Reader;
    }

    private static void Pump(Stream stream, PipeWriter writer)
    {
        try
        {
            while (true)
            {
                var memory = writer.GetMemory(ReadSize);
                var read = stream.Read(memory.Span);
                if (read == 0)
                {
                    break;
                }

                writer.Advance(read);

                // The reader's continuation runs inside this flush (inline scheduler); it only blocks when
                // the reader lags a pipe's worth of bytes behind.
                var flush = writer.FlushAsync();
                var result = flush.IsCompleted ? flush.Result : flush.AsTask().GetAwaiter().GetResult();
                if (result.IsCompleted || result.IsCanceled)
                {
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
        {
            // The worker is gone or our side closed: the end of the stream, as far as the connection can tell.
        }

        writer.Complete();
    }
}
