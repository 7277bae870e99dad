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

        session.InitializeParams = request;
        if (request.InitializationOptions is { ValueKind: JsonValueKind.Object } raw)
        {
            try
            {
                session.InitializationOptions = raw.Deserialize<InitializationOptions>(s_json);
            }
            catch (JsonException ex)
            {
                session.Log.Warning($"initializationOptions ignored: {ex.Message}");
            }
        }

        var init = session.InitializationOptions;
        if (init is not null)
        {
            session.Generation = session.Generation with
            {
                MaxTokens = init.MaxTokens is > 0 and var max ? max : session.Generation.MaxTokens,
                Temperature = init.Temperature is >= 0 and var t ? (float)t : session.Generation.Temperature,
            };
        }

        session.ClientSupportsInline = LspSession.HasCapability(request.Capabilities, "textDocument", "inlineCompletion");
        session.ClientSupportsWorkDoneProgress = LspSession.HasCapability(request.Capabilities, "window", "workDoneProgress");
        session.Log.Info($"initialize from {request.ClientInfo?.Name ?? "an unnamed client"} {request.ClientInfo?.Version}".TrimEnd());

        // Load the model while the client finishes its handshake.
        session.Model.StartLoading(init?.ModelPath, request.InitializationOptions);

        var capabilities = new ServerCapabilities
        {
            CompletionProvider = session.ClientSupportsInline ? null : new CompletionOptions(ResolveProvider: false, TriggerCharacters: ["."]),
        };
        return new InitializeResult(capabilities, new ServerInfo("lspcopilot", typeof(InitializeHandler).Assembly.GetName().Version?.ToString(3) ?? "0.1.0"));
    }
}
