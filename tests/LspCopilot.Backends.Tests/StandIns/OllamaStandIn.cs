using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace LspCopilot.Backends.Tests.StandIns;

/// <summary>
/// Ollama's documented answers: <c>/api/tags</c>, <c>/api/show</c> (capabilities with or without <c>insert</c>,
/// <c>num_ctx</c> in parameters, 404 "model 'x' not found"), <c>/api/generate</c> and <c>/api/chat</c> streamed as NDJSON
/// ending in <c>"done": true</c>.
/// </summary>
public sealed class OllamaStandIn : IAsyncDisposable
{
    private OllamaStandIn(StandInServer server) => Server = server;

    public StandInServer Server { get; }

    public string Url => Server.Url;

    public Script Script { get; } = new();

    public string Model { get; set; } = "qwen2.5-coder:1.5b-base";

    public bool Insert { get; set; } = true;

    public static async Task<OllamaStandIn> StartAsync()
    {
        OllamaStandIn? standIn = null;
        var server = await StandInServer.StartAsync((app, server) =>
        {
            app.MapGet("/api/tags", (HttpContext context) => StandInServer.JsonAsync(context, 200, new { models = new[] { new { name = standIn!.Model, model = standIn.Model, size = 986_000_000 } } }));
            app.MapPost("/api/show", (HttpContext context) =>
            {
                var model = StandInServer.Recorded(context).Json.GetProperty("model").GetString();
                return model != standIn!.Model
                    ? StandInServer.JsonAsync(context, 404, new { error = $"model '{model}' not found" })
                    : StandInServer.JsonAsync(context, 200, new
                    {
                        parameters = "num_ctx 4096\nstop \"<|endoftext|>\"",
                        details = new { family = "qwen2", parameter_size = "1.5B" },
                        model_info = new Dictionary<string, object> { ["qwen2.context_length"] = 32768 },
                        capabilities = standIn.Insert ? new[] { "completion", "insert" } : ["completion"],
                    });
            });
            app.MapPost("/api/generate", (HttpContext context) => Streams.WriteAsync(context, server, standIn!.Script, sse: false, (text, final) => final
                ? new { model = standIn.Model, response = string.Empty, done = true, done_reason = "stop", prompt_eval_count = 40, eval_count = 3 }
                : (object)new { model = standIn.Model, response = text, done = false }, doneMarker: false));
            app.MapPost("/api/chat", (HttpContext context) => Streams.WriteAsync(context, server, standIn!.Script, sse: false, (text, final) => new
            {
                model = standIn.Model,
                message = new { role = "assistant", content = text },
                done = final,
                done_reason = final ? "stop" : null,
            }, doneMarker: false));
        });
        standIn = new OllamaStandIn(server);
        return standIn;
    }

    public IEnumerable<JsonElement> Generations => Server.To("/api/generate").Select(r => r.Json);

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}
