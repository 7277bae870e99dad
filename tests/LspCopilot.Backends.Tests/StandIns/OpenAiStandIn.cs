using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace LspCopilot.Backends.Tests.StandIns;

/// <summary>
/// An OpenAI-compatible server as vLLM answers: <c>/v1/models</c> with <c>max_model_len</c>, <c>/v1/completions</c> and
/// <c>/v1/chat/completions</c> streamed as SSE with <c>[DONE]</c>; 401 without the right Bearer key, 404 "The model `x`
/// does not exist.", 400 "suffix is not currently supported" for a request that carries <c>suffix</c>.
/// </summary>
public sealed class OpenAiStandIn : IAsyncDisposable
{
    private OpenAiStandIn(StandInServer server) => Server = server;

    public StandInServer Server { get; }

    public string Url => Server.Url;

    public Script Script { get; } = new();

    public string Model { get; set; } = "Qwen/Qwen2.5-Coder-1.5B";

    public int Context { get; set; } = 32768;

    /// <summary>When set, requests must carry "Authorization: Bearer KEY".</summary>
    public string? Key { get; set; }

    /// <summary>/v1/models answers 404 (some gateways do not list models).</summary>
    public bool NoModelList { get; set; }

    public static async Task<OpenAiStandIn> StartAsync()
    {
        OpenAiStandIn? standIn = null;
        var server = await StandInServer.StartAsync((app, server) =>
        {
            app.Use(async (context, next) =>
            {
                if (standIn!.Key is { } key && context.Request.Headers.Authorization.FirstOrDefault() != "Bearer " + key)
                {
                    await StandInServer.JsonAsync(context, 401, new { error = new { message = "Incorrect API key provided.", type = "invalid_request_error", code = "invalid_api_key" } });
                    return;
                }

                await next(context);
            });
            app.MapGet("/v1/models", (HttpContext context) => standIn!.NoModelList
                ? StandInServer.JsonAsync(context, 404, new { detail = "Not Found" })
                : StandInServer.JsonAsync(context, 200, new { @object = "list", data = new[] { new { id = standIn.Model, @object = "model", owned_by = "vllm", max_model_len = standIn.Context } } }));
            app.MapPost("/v1/completions", (HttpContext context) =>
            {
                var request = StandInServer.Recorded(context).Json;
                if (request.TryGetProperty("suffix", out _))
                {
                    return StandInServer.JsonAsync(context, 400, new { @object = "error", message = "suffix is not currently supported", type = "BadRequestError", code = 400 });
                }

                if (request.GetProperty("model").GetString() != standIn!.Model)
                {
                    return StandInServer.JsonAsync(context, 404, new { @object = "error", message = $"The model `{request.GetProperty("model").GetString()}` does not exist.", type = "NotFoundError", code = 404 });
                }

                return Streams.WriteAsync(context, server, standIn.Script, sse: true, (text, final) => new
                {
                    id = "cmpl-1",
                    @object = "text_completion",
                    model = standIn.Model,
                    choices = new[] { new { index = 0, text, finish_reason = final ? "stop" : null } },
                    usage = final ? new { prompt_tokens = 40, completion_tokens = 3 } : null,
                }, doneMarker: true);
            });
            app.MapPost("/v1/chat/completions", (HttpContext context) => Streams.WriteAsync(context, server, standIn!.Script, sse: true, (text, final) => new
            {
                id = "chatcmpl-1",
                @object = "chat.completion.chunk",
                choices = new[] { new { index = 0, delta = final ? (object)new { } : new { content = text }, finish_reason = final ? "stop" : null } },
            }, doneMarker: true));
        });
        standIn = new OpenAiStandIn(server);
        return standIn;
    }

    /// <summary>The prompts of the completion requests received.</summary>
    public IEnumerable<JsonElement> Completions => Server.To("/v1/completions").Select(r => r.Json);

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}
