using System.Diagnostics;
using System.Net;
using System.Text.Json;
using LspCopilot.Completion;
using LspCopilot.Completion.Chat;
using LspCopilot.Server.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace LspCopilot.Server.Worker.Http;

/// <summary>
/// <c>lspcopilot worker --http [HOST:]PORT</c>: the loaded model as a service other tools can call (Continue,
/// llama.vscode, curl, and LspCopilot's own remote backends). OpenAI-style <c>/v1/models</c>,
/// <c>/v1/completions</c> (with <c>suffix</c> honoured through the model's FIM template) and
/// <c>/v1/chat/completions</c>, llama-server-style <c>/infill</c>, and <c>/health</c> (200 only when the model is
/// loaded and not stuck). Streams are SSE; a client that disconnects cancels its request, and the engine stops at
/// its next prompt chunk or token. Off loopback a Bearer token is required (as for <c>--tcp</c>); bodies are
/// capped; errors are JSON without stack traces; the engine's bounded queue answers 503 when full.
/// </summary>
public sealed class WorkerHttpService : IAsyncDisposable
{
    /// <summary>Largest request body accepted (a prompt of a few hundred thousand tokens).</summary>
    public const long MaxBodyBytes = 8 * 1024 * 1024;

    private readonly WebApplication _app;
    private readonly HttpEngineState _state;

    private WorkerHttpService(WebApplication app, HttpEngineState state)
    {
        _app = app;
        _state = state;
    }

    /// <summary>The address it listens on (the port, when 0 asked for any free one).</summary>
    public IPEndPoint LocalEndpoint { get; private set; } = new(IPAddress.Loopback, 0);

    /// <summary>What the service knows of its engine's work (for /health, and for tests).</summary>
    internal HttpEngineState State => _state;

    /// <summary>Binds and starts serving <paramref name="engine"/> (throws IOException when the address is taken).</summary>
    public static async Task<WorkerHttpService> StartAsync(IPEndPoint bind, Func<ICompletionEngine?> engine, string? token, TimeSpan stallTimeout, ServerLog log, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(bind);
            kestrel.Limits.MaxRequestBodySize = MaxBodyBytes;
            kestrel.Limits.MaxRequestHeadersTotalSize = 32 * 1024;
            kestrel.AddServerHeader = false;
        });
        var app = builder.Build();
        var state = new HttpEngineState(engine, stallTimeout);
        var service = new WorkerHttpService(app, state);
        app.Use(async (context, next) =>
        {
            try
            {
                if (token is not null && !Authorized(context.Request, token))
                {
                    await HttpErrors.WriteAsync(context, StatusCodes.Status401Unauthorized, "A valid token is required: send 'Authorization: Bearer TOKEN'.", "authentication_error").ConfigureAwait(false);
                    return;
                }

                await next(context).ConfigureAwait(false);
            }
            catch (Microsoft.AspNetCore.Http.BadHttpRequestException ex)
            {
                await HttpErrors.WriteAsync(context, ex.StatusCode, ex.Message, "invalid_request_error").ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
            {
                // The client went away; its request was cancelled.
            }
            catch (Exception ex)
            {
                log.Error($"HTTP {context.Request.Method} {context.Request.Path} failed: {ex.GetType().Name}: {ex.Message}");
                await HttpErrors.WriteAsync(context, StatusCodes.Status500InternalServerError, "The worker failed to answer this request; see its log.", "server_error").ConfigureAwait(false);
            }
        });

        var endpoints = new HttpEndpoints(state, log);
        app.MapGet("/health", endpoints.HealthAsync);
        app.MapGet("/v1/models", endpoints.ModelsAsync);
        app.MapPost("/v1/completions", endpoints.CompletionsAsync);
        app.MapPost("/v1/chat/completions", endpoints.ChatCompletionsAsync);
        app.MapPost("/infill", endpoints.InfillAsync);
        app.MapGet("/props", endpoints.PropsAsync);
        app.MapPost("/tokenize", endpoints.TokenizeAsync);
        app.MapFallback(context => HttpErrors.WriteAsync(context, StatusCodes.Status404NotFound, $"No such endpoint: {context.Request.Method} {context.Request.Path}. This worker serves /health, /v1/models, /v1/completions, /v1/chat/completions, /infill, /props and /tokenize.", "not_found_error"));

        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = app.Urls.Select(u => new Uri(u)).First();
        service.LocalEndpoint = new IPEndPoint(bind.Address, address.Port);
        return service;
    }

    private static bool Authorized(HttpRequest request, string token)
    {
        var header = request.Headers.Authorization.ToString();
        const string Bearer = "Bearer ";
        return header.StartsWith(Bearer, StringComparison.OrdinalIgnoreCase) && AccessToken.Matches(header[Bearer.Length..].Trim(), token);
    }

    /// <summary>Runs until <paramref name="cancellationToken"/> is cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await _app.StopAsync(stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        await _app.DisposeAsync().ConfigureAwait(false);
    }
}

/// <summary>Errors in the OpenAI shape: <c>{"error": {"message", "type", "code"}}</c>, never a stack trace.</summary>
internal static class HttpErrors
{
    public static Task WriteAsync(HttpContext context, int status, string message, string type)
    {
        if (context.Response.HasStarted)
        {
            return Task.CompletedTask;
        }

        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(new { error = new { message, type, code = status } });
    }
}
