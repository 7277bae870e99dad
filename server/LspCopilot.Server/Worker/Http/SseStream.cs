using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http;

namespace LspCopilot.Server.Worker.Http;

/// <summary>
/// Server-sent events for one response: the engine's callback (on the engine thread, never blocked) posts the text
/// so far; a writer sends each new piece as a <c>data:</c> event and flushes it at once.
/// </summary>
internal sealed class SseStream
{
    private readonly HttpResponse _response;
    private readonly Func<string, object> _chunk;
    private readonly Channel<string> _pieces = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writer;
    private readonly object _lock = new();
    private string _sent = string.Empty;

    private readonly Action? _broken;

    private SseStream(HttpResponse response, Func<string, object> chunk, Action? broken, CancellationToken cancellationToken)
    {
        _response = response;
        _chunk = chunk;
        _broken = broken;
        _writer = WriteAsync(cancellationToken);
    }

    /// <summary>
    /// Starts the event stream (status 200, <c>text/event-stream</c>); <paramref name="chunk"/> makes the event body for
    /// a piece of text; <paramref name="broken"/> runs when a write fails (the client is gone), so that the request
    /// stops even before the server notices the closed connection itself.
    /// </summary>
    public static async Task<SseStream> StartAsync(HttpResponse response, Func<string, object> chunk, CancellationToken cancellationToken, Action? broken = null)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
        return new SseStream(response, chunk, broken, cancellationToken);
    }

    /// <summary>The engine's callback: <paramref name="textSoFar"/> is the whole text so far; only what is new is sent.</summary>
    public void OnText(string textSoFar)
    {
        string piece;
        lock (_lock)
        {
            if (!textSoFar.StartsWith(_sent, StringComparison.Ordinal) || textSoFar.Length == _sent.Length)
            {
                return;
            }

            piece = textSoFar[_sent.Length..];
            _sent = textSoFar;
        }

        _pieces.Writer.TryWrite(piece);
    }

    /// <summary>Sends what the final text adds to what was streamed, then <paramref name="final"/> and, when given, <paramref name="done"/>.</summary>
    public async Task FinishAsync(string finalText, object final, string? done, CancellationToken cancellationToken)
    {
        OnText(finalText);
        _pieces.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
        await SendAsync(final, cancellationToken).ConfigureAwait(false);
        if (done is not null)
        {
            await _response.WriteAsync($"data: {done}\n\n", cancellationToken).ConfigureAwait(false);
            await _response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Ends the stream after a failure, with an error event.</summary>
    public async Task FailAsync(string message, CancellationToken cancellationToken)
    {
        _pieces.Writer.TryComplete();
        try
        {
            await _writer.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            return;
        }

        await SendAsync(new { error = new { message, type = "server_error" } }, cancellationToken).ConfigureAwait(false);
    }

    private async Task WriteAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var piece in _pieces.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                await SendAsync(_chunk(piece), cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException)
        {
            _broken?.Invoke();
            throw;
        }
    }

    private async Task SendAsync(object body, CancellationToken cancellationToken)
    {
        await _response.WriteAsync("data: " + JsonSerializer.Serialize(body, HttpJson.Options) + "\n\n", cancellationToken).ConfigureAwait(false);
        await _response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>JSON as OpenAI and llama-server spell it (snake_case).</summary>
internal static class HttpJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
}
