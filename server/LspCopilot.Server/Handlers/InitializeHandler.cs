using System.Text.Json;
using LspCopilot.Server.Protocol;
using LspCopilot.Server.Rpc;
using StreamJsonRpc;

namespace LspCopilot.Server.Handlers;

internal sealed class InitializeHandler(LspSession session)
{
    private static readonly JsonSerializerOptions s_json = LspJson.Options;

    [JsonRpcMethod(LspMethods.Initialize, UseSingleObjectParameterDeserialization = true)]
    public InitializeResult Initialize(InitializeParams request)
    {
        if (!session.Lifecycle.TryInitialize())
        {
            throw new LocalRpcException("initialize was already received.") { ErrorCode = LspErrorCodes.InvalidRequest };
        }

        InitializationOptions? init = null;
        if (request.InitializationOptions is { ValueKind: JsonValueKind.Object } raw)
        {
            try
            {
                init = raw.Deserialize<InitializationOptions>(s_json);
            }
            catch (JsonException ex)
            {
                session.Log.Warning($"initializationOptions ignored: {ex.Message}");
            }
        }

        var defaults = session.DefaultGeneration;
        var generation = init is null ? defaults : defaults with
        {
            MaxTokens = init.MaxTokens is > 0 and var max ? max : defaults.MaxTokens,
            Temperature = init.Temperature is >= 0 and var t ? (float)t : defaults.Temperature,
        };
        var client = new ClientSettings(request, init, generation);
        session.SetClient(client);
        session.Log.Info($"initialize from {request.ClientInfo?.Name ?? "an unnamed client"} {request.ClientInfo?.Version}".TrimEnd());

        // Load the model while the client finishes its handshake.
        session.Model.StartLoading(init?.ModelPath, request.InitializationOptions);

        var capabilities = new ServerCapabilities
        {
            CompletionProvider = client.SupportsInline ? null : new CompletionOptions(ResolveProvider: false, TriggerCharacters: ["."]),
        };
        return new InitializeResult(capabilities, new ServerInfo("lspcopilot", typeof(InitializeHandler).Assembly.GetName().Version?.ToString(3) ?? "0.1.0"));
    }
}
