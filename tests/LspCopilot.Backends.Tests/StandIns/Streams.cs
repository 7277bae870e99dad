using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace LspCopilot.Backends.Tests.StandIns;

/// <summary>Writes a scripted answer as SSE (llama-server, OpenAI) or NDJSON (Ollama), faults included.</summary>
public static class Streams
{
    /// <summary>Streams <paramref name="script"/>; <paramref name="chunk"/> makes one payload (text, final).</summary>
    public static async Task WriteAsync(HttpContext context, StandInServer server, Script script, bool sse, Func<string, bool, object> chunk, bool doneMarker)
    {
        string Frame(object payload) => sse ? $"data: {JsonSerializer.Serialize(payload)}\n\n" : JsonSerializer.Serialize(payload) + "\n";
        var ct = context.RequestAborted;
        if (script.Fault == StreamFault.NeverAnswers)
        {
            await Task.Delay(Timeout.Infinite, ct);
            return;
        }

        context.Response.StatusCode = 200;
        context.Response.ContentType = sse ? "text/event-stream" : "application/x-ndjson";
        await context.Response.StartAsync(ct);
        switch (script.Fault)
        {
            case StreamFault.HugeLine:
                await server.WriteAsync(context, sse ? "data: {\"content\":\"" : "{\"response\":\"");
                var block = new string('a', 64 * 1024);
                for (long sent = 0; sent < Script.HundredMegabytes; sent += block.Length)
                {
                    await server.WriteAsync(context, block);
                }

                return;
            case StreamFault.Flood:
                var piece = new string('b', 1024);
                for (long sent = 0; sent < Script.HundredMegabytes; sent += piece.Length)
                {
                    await server.WriteAsync(context, Frame(chunk(piece, false)));
                }

                return;
        }

        for (var i = 0; i < script.Pieces.Count; i++)
        {
            if (script.Delay > TimeSpan.Zero)
            {
                await Task.Delay(script.Delay, ct);
            }

            if (i == 2)
            {
                switch (script.Fault)
                {
                    case StreamFault.CutInTheMiddle:
                        // Let the pieces sent so far reach the client, then reset the connection.
                        await Task.Delay(200, ct);
                        context.Abort();
                        return;
                    case StreamFault.EndsEarly:
                        return;
                    case StreamFault.GoesSilent:
                        await Task.Delay(Timeout.Infinite, ct);
                        return;
                }
            }

            if (i == 1 && script.Fault == StreamFault.Malformed)
            {
                await server.WriteAsync(context, sse ? "data: {\"content\": oops\n\n" : "{\"response\": oops\n");
                continue;
            }

            await server.WriteAsync(context, Frame(chunk(script.Pieces[i], false)));
        }

        await server.WriteAsync(context, Frame(chunk(string.Empty, true)));
        if (script.Fault == StreamFault.SilentAfterTheEnd)
        {
            await Task.Delay(Timeout.Infinite, ct);
            return;
        }

        if (doneMarker)
        {
            await server.WriteAsync(context, "data: [DONE]\n\n");
        }
    }
}
