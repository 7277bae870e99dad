using System.Diagnostics;
using System.Text;
using System.Text.Json;
using LspCopilot.Backends.Http;
using LspCopilot.Completion;

namespace LspCopilot.Backends.Streaming;

/// <summary>What a stream produced.</summary>
internal sealed record Generated(string Text, StopReason Reason, int Chunks, int? PromptTokens, TimeSpan FirstText, TimeSpan Total)
{
    /// <summary>Prompt tokens the server reused from its cache, when it says.</summary>
    public int? CachedTokens { get; init; }
}

/// <summary>
/// Reads a streamed answer into text, handing the text so far to <c>onText</c> after each chunk. Ends at the server's
/// end marker, at the rules' end (then the caller disposes the response, which aborts the request: the server stops
/// generating), or at the time limit (the text so far, as a token limit would). A stream that ends without its end
/// marker, a chunk that is not JSON, or an error inside the stream throw <see cref="BackendException"/>.
/// </summary>
internal static class StreamedGeneration
{
    public static async Task<Generated> ReadAsync(
        HttpResponseMessage response, StreamFormat format, ChunkReader chunks, GenerationRules rules, BackendHttp http, Stopwatch clock, Action<string>? onText, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(rules.TimeLimit);
        using var reader = new LineReader(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), http.Limits, http.Server, http.Touch);
        var events = new StreamEvents(reader, format, http.Server);
        var text = new StringBuilder();
        var delivered = 0;
        var count = 0;
        var firstText = TimeSpan.Zero;
        int? promptTokens = null;
        int? cachedTokens = null;
        StopReason? finished = null;
        while (true)
        {
            string? payload;
            try
            {
                payload = await events.NextAsync(deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                return Finish(text.ToString(), finished ?? StopReason.TokenLimit);
            }
            catch (BackendException) when (finished is not null)
            {
                // The answer was complete; only the end of the body went wrong (a connection kept open, a reset).
                return Finish(text.ToString(), finished.Value);
            }

            if (payload is null || payload == StreamEvents.Done)
            {
                if (finished is null && payload is null)
                {
                    throw new BackendException($"The {http.Server} ended the stream before the answer was complete; it was dropped.", BackendFault.Protocol);
                }

                return Finish(text.ToString(), finished ?? StopReason.EndOfGeneration);
            }

            StreamChunk chunk;
            try
            {
                using var json = JsonDocument.Parse(payload);
                if (ErrorBody.InChunk(json.RootElement) is { } error)
                {
                    throw new BackendException($"The {http.Server} failed in the middle of the answer: {error}", BackendFault.Protocol);
                }

                chunk = chunks(json.RootElement);
            }
            catch (JsonException ex)
            {
                throw new BackendException($"The {http.Server} sent a chunk that is not JSON ('{Shorten(payload)}'); the answer was dropped.", BackendFault.Protocol, ex);
            }

            count++;
            promptTokens = chunk.PromptTokens ?? promptTokens;
            cachedTokens = chunk.CachedTokens ?? cachedTokens;
            if (chunk.Text.Length > 0)
            {
                if (text.Length == 0)
                {
                    firstText = clock.Elapsed;
                }

                text.Append(chunk.Text);
                if (text.Length > rules.MaxChars)
                {
                    throw new BackendException($"The {http.Server} sent more text than the {rules.MaxChars:N0} characters a suggestion may have (it ignored the token limit); the answer was dropped.", BackendFault.Protocol);
                }

                var so = text.ToString();
                if (rules.FindEnd(so) is var (keep, reason))
                {
                    return Finish(so[..keep], reason);
                }

                onText?.Invoke(so);
                delivered = so.Length;
            }

            if (chunk.Final)
            {
                // Read on to the end of the body (or [DONE]), so the connection goes back to the pool.
                finished = Chunks.ReasonOf(chunk.FinishReason);
            }
        }

        Generated Finish(string final, StopReason reason)
        {
            if (final.Length != delivered)
            {
                onText?.Invoke(final);
            }

            return new Generated(final, reason, count, promptTokens, firstText, clock.Elapsed) { CachedTokens = cachedTokens };
        }
    }

    private static string Shorten(string text) => text.Length <= 60 ? text : text[..60] + "…";
}
