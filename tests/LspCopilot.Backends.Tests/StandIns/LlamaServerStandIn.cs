using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace LspCopilot.Backends.Tests.StandIns;

/// <summary>
/// llama-server's documented answers: <c>/health</c> (503 "Loading model" while loading), <c>/props</c>, <c>/tokenize</c>
/// with pieces, <c>/infill</c> (501 for a model without FIM tokens), <c>/completion</c> and <c>/v1/chat/completions</c>,
/// streamed as SSE chunks <c>{"content","stop"}</c>.
/// </summary>
public sealed class LlamaServerStandIn : IAsyncDisposable
{
    private LlamaServerStandIn(StandInServer server) => Server = server;

    public StandInServer Server { get; }

    public string Url => Server.Url;

    public Script Script { get; } = new();

    public bool Loading { get; set; }

    /// <summary>The model has no FIM tokens: /infill answers 501.</summary>
    public bool NoInfill { get; set; }

    public int Context { get; set; } = 4096;

    /// <summary>Characters per token of the stand-in's tokenizer.</summary>
    public int CharsPerToken { get; set; } = 3;

    public static async Task<LlamaServerStandIn> StartAsync()
    {
        LlamaServerStandIn? standIn = null;
        var server = await StandInServer.StartAsync((app, server) =>
        {
            app.MapGet("/health", (HttpContext context) => standIn!.Loading
                ? StandInServer.JsonAsync(context, 503, new { error = new { code = 503, message = "Loading model", type = "unavailable_error" } })
                : StandInServer.JsonAsync(context, 200, new { status = "ok" }));
            app.MapGet("/props", (HttpContext context) => StandInServer.JsonAsync(context, 200, new
            {
                default_generation_settings = new { n_ctx = standIn!.Context },
                total_slots = 1,
                model_path = "/models/qwen2.5-coder-1.5b-q8_0.gguf",
                chat_template = "{% for message in messages %}...{% endfor %}",
            }));
            app.MapPost("/tokenize", async (HttpContext context) =>
            {
                var content = StandInServer.Recorded(context).Json.GetProperty("content").GetString() ?? string.Empty;
                var pieces = content.Chunk(standIn!.CharsPerToken).Select((c, i) => new { id = i, piece = new string(c) });
                await StandInServer.JsonAsync(context, 200, new { tokens = pieces });
            });
            app.MapPost("/infill", (HttpContext context) => standIn!.NoInfill
                ? StandInServer.JsonAsync(context, 501, new { error = new { code = 501, message = "Infill is not supported by this model: prefix token is missing. suffix token is missing. middle token is missing. ", type = "not_supported_error" } })
                : standIn.GenerateAsync(context));
            app.MapPost("/completion", (HttpContext context) => standIn!.GenerateAsync(context));
            app.MapPost("/v1/chat/completions", (HttpContext context) => Streams.WriteAsync(context, server, standIn!.Script, sse: true, (text, final) => new
            {
                choices = new[] { new { index = 0, delta = final ? (object)new { } : new { content = text }, finish_reason = final ? "stop" : null } },
                @object = "chat.completion.chunk",
            }, doneMarker: true));
        });
        standIn = new LlamaServerStandIn(server);
        return standIn;
    }

    private Task GenerateAsync(HttpContext context) => Streams.WriteAsync(context, Server, Script, sse: true, (text, final) => final
        ? new { index = 0, content = text, stop = true, stop_type = "eos", tokens_evaluated = 40 }
        : (object)new { index = 0, content = text, stop = false }, doneMarker: false);

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}
