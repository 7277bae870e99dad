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

    /// <summary>The slot a warm-up without <c>id_slot</c> lands in.</summary>
    public int WarmSlot { get; set; } = 1;

    /// <summary>Warm-ups are refused with 400, as a server that does not take n_predict 0 would.</summary>
    public bool WarmUpFails { get; set; }

    /// <summary>How long a warm-up takes to answer.</summary>
    public TimeSpan WarmUpTime { get; set; }

    private int _warmUpsAnswered;

    /// <summary>Warm-ups answered in full (not aborted by the client).</summary>
    public int WarmUpsAnswered => Volatile.Read(ref _warmUpsAnswered);

    /// <summary>The /infill requests that generate (streamed), warm-ups left out.</summary>
    public IEnumerable<RecordedRequest> Completions => Server.To("/infill").Where(r => r.Json.GetProperty("stream").GetBoolean());

    /// <summary>The /infill warm-ups (n_predict 0, not streamed).</summary>
    public IEnumerable<RecordedRequest> WarmUps => Server.To("/infill").Where(r => !r.Json.GetProperty("stream").GetBoolean());

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
                total_slots = 4,
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
                : StandInServer.Recorded(context).Json.GetProperty("stream").GetBoolean() ? standIn.GenerateAsync(context) : standIn.WarmUpAsync(context));
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

    /// <summary>A request that is not streamed: llama-server answers one JSON object naming the slot it used.</summary>
    private async Task WarmUpAsync(HttpContext context)
    {
        var request = StandInServer.Recorded(context).Json;
        var slot = request.TryGetProperty("id_slot", out var pinned) ? pinned.GetInt32() : WarmSlot;
        if (WarmUpFails)
        {
            await StandInServer.JsonAsync(context, 400, new { error = new { code = 400, message = "n_predict must be positive", type = "invalid_request_error" } });
            return;
        }

        await Task.Delay(WarmUpTime, context.RequestAborted);
        await StandInServer.JsonAsync(context, 200, new { index = 0, content = " s", id_slot = slot, stop = true, tokens_predicted = 1, tokens_evaluated = 40 });
        Interlocked.Increment(ref _warmUpsAnswered);
    }

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}
