namespace LspCopilot.Completion;

/// <summary>
/// Which engine serves completions: LLamaSharp in our own worker (the default) or a model server someone already
/// runs (llama-server, an OpenAI-compatible server such as vLLM, SGLang or LM Studio, Ollama). Part of
/// <see cref="EngineOptions"/>, so the command line and initializationOptions are ordered by the same rule.
/// </summary>
public sealed record BackendOptions
{
    public const string LlamaSharp = "llamasharp";
    public const string LlamaServer = "llama-server";
    public const string OpenAi = "openai";
    public const string Ollama = "ollama";

    /// <summary>The API key of a remote server when no key file is given.</summary>
    public const string ApiKeyVariable = "LSPCOPILOT_API_KEY";

    public static IReadOnlyList<string> Names { get; } = [LlamaSharp, LlamaServer, OpenAi, Ollama];

    /// <summary>llamasharp, llama-server, openai or ollama.</summary>
    public string Kind { get; init; } = LlamaSharp;

    /// <summary>The server's base URL (null: the backend's usual local address, see <see cref="DefaultEndpoint"/>).</summary>
    public string? Endpoint { get; init; }

    /// <summary>The model's name at the server; null: the first the server lists.</summary>
    public string? RemoteModel { get; init; }

    /// <summary>The FIM template to render prompts with (see <see cref="FimTextTemplates"/>); null: detected from the model's name.</summary>
    public string? FimTemplate { get; init; }

    /// <summary>File holding the API key sent as a Bearer token; null: <c>$LSPCOPILOT_API_KEY</c>, else none.</summary>
    public string? ApiKeyFile { get; init; }

    /// <summary>
    /// llama-server only: the server slot every request of this client goes to (<c>id_slot</c>); null: the slot that
    /// holds the warmed context, else the server's choice. Pinning one slot per team member on a server started with
    /// <c>-np</c> = team size keeps each member's prompt cache from being evicted by the others.
    /// </summary>
    public int? Slot { get; init; }

    public bool IsRemote => Kind != LlamaSharp;

    /// <summary>Where each server listens by default: llama-server 8080, vLLM 8000, Ollama 11434.</summary>
    public static string DefaultEndpoint(string kind) => kind switch
    {
        LlamaServer => "http://127.0.0.1:8080",
        OpenAi => "http://127.0.0.1:8000",
        Ollama => "http://127.0.0.1:11434",
        _ => string.Empty,
    };

    public string EffectiveEndpoint => (Endpoint ?? DefaultEndpoint(Kind)).TrimEnd('/');
}
