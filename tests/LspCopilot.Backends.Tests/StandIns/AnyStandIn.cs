using LspCopilot.Completion;

namespace LspCopilot.Backends.Tests.StandIns;

/// <summary>One of the three stand-ins, by backend name, for tests that hold for every backend.</summary>
public sealed class AnyStandIn : IAsyncDisposable
{
    private readonly IAsyncDisposable _inner;

    private AnyStandIn(string kind, IAsyncDisposable inner, StandInServer server, Script script)
    {
        Kind = kind;
        _inner = inner;
        Server = server;
        Script = script;
    }

    public static IEnumerable<string> Kinds => [BackendOptions.LlamaServer, BackendOptions.OpenAi, BackendOptions.Ollama];

    public string Kind { get; }

    public StandInServer Server { get; }

    public Script Script { get; }

    public string Url => Server.Url;

    /// <summary>The path generation requests go to.</summary>
    public string GeneratePath => Kind switch
    {
        BackendOptions.LlamaServer => "/infill",
        BackendOptions.OpenAi => "/v1/completions",
        _ => "/api/generate",
    };

    /// <summary>The requests that generate a completion (llama-server's context warm-ups left out).</summary>
    public IEnumerable<RecordedRequest> Completions => Server.To(GeneratePath).Where(r => Kind != BackendOptions.LlamaServer || r.Json.GetProperty("stream").GetBoolean());

    public static async Task<AnyStandIn> StartAsync(string kind)
    {
        switch (kind)
        {
            case BackendOptions.LlamaServer:
                var llama = await LlamaServerStandIn.StartAsync();
                return new AnyStandIn(kind, llama, llama.Server, llama.Script);
            case BackendOptions.OpenAi:
                var openAi = await OpenAiStandIn.StartAsync();
                return new AnyStandIn(kind, openAi, openAi.Server, openAi.Script);
            default:
                var ollama = await OllamaStandIn.StartAsync();
                return new AnyStandIn(kind, ollama, ollama.Server, ollama.Script);
        }
    }

    public ValueTask DisposeAsync() => _inner.DisposeAsync();
}
