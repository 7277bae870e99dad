using LspCopilot.Completion.CodeActions;
using LspCopilot.Server.Configuration;
using LspCopilot.Server.Protocol;
using LspCopilot.Server.Rpc;
using StreamJsonRpc;

namespace LspCopilot.Server.Handlers;

internal sealed class InitializeHandler(LspSession session)
{
    [JsonRpcMethod(LspMethods.Initialize, UseSingleObjectParameterDeserialization = true)]
    public InitializeResult Initialize(InitializeParams request)
    {
        if (!session.Lifecycle.TryInitialize())
        {
            throw new LocalRpcException("initialize was already received.") { ErrorCode = LspErrorCodes.InvalidRequest };
        }

        var init = InitializationOptions.Read(request.InitializationOptions, out var problem);
        if (problem is not null)
        {
            session.Log.Warning($"initializationOptions: modelPath, maxTokens, temperature and codeActions ignored: {problem}");
        }
        else if (init?.CodeActions?.Candidates is < 0 or > ClientSettings.MaxCodeActionCandidates)
        {
            session.Log.Warning($"initializationOptions.codeActions.candidates must be 0 to {ClientSettings.MaxCodeActionCandidates}; using {ClientSettings.DefaultCodeActionCandidates}.");
        }

        SuggestionSettingsCheck.Warn(init?.Suggestions, session.Log);
        var generation = OptionPrecedence.Generation(session.DefaultGeneration, init);
        var client = new ClientSettings(request, init, generation);
        session.SetClient(client);
        session.Suggestions.SetClient(request.ClientInfo?.Name, client.ReportsAcceptance);
        session.Log.Info($"initialize from {request.ClientInfo?.Name ?? "an unnamed client"} {request.ClientInfo?.Version}".TrimEnd());

        // Load the model while the client finishes its handshake.
        session.Model.StartLoading(init);

        var capabilities = new ServerCapabilities
        {
            CompletionProvider = client.SupportsInline ? null : new CompletionOptions(ResolveProvider: false, TriggerCharacters: ["."]),
            CodeActionProvider = new CodeActionOptions(CodeActionCatalog.Kinds, ResolveProvider: true),
            ExecuteCommandProvider = new ExecuteCommandOptions(LspCommands.All),
        };
        return new InitializeResult(capabilities, new ServerInfo("lspcopilot", typeof(InitializeHandler).Assembly.GetName().Version?.ToString(3) ?? "0.1.0"));
    }
}
