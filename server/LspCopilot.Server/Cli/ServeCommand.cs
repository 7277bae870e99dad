using System.CommandLine;
using LspCopilot.Completion;
using LspCopilot.Server.Configuration;
using LspCopilot.Server.Documents;
using LspCopilot.Server.Hosting;
using LspCopilot.Server.Rpc;
using LspCopilot.Server.Worker;

namespace LspCopilot.Server.Cli;

/// <summary>The root command: serve LSP over stdin/stdout.</summary>
public static class ServeCommand
{
    public static RootCommand CreateRoot(Option<string> logLevel)
    {
        var stdio = new Option<bool>("--stdio") { Description = "Serve LSP over stdin/stdout (the default; vscode-languageclient passes it)." };
        var maxTokens = new Option<int?>("--max-tokens") { Description = "Most tokens per suggestion (default 128)." };
        var tcp = new Option<string?>("--tcp") { Description = "Serve LSP over TCP on [HOST:]PORT instead of stdio (host defaults to 127.0.0.1; any other address needs a token)." };
        var tokenFile = new Option<FileInfo?>("--token-file") { Description = "File holding the token clients must send as initializationOptions.authToken (else $LSPCOPILOT_TOKEN)." };
        var maxClients = new Option<int>("--max-clients") { Description = "Most TCP clients served at once (default 8).", DefaultValueFactory = _ => 8 };
        var sessionDocuments = new Option<int>(DocumentLimits.SessionOption) { Description = $"Most MiB of text (UTF-16) one editor's open documents may hold; a document past it gets no completions (default {DocumentLimits.DefaultSessionMegabytes}).", DefaultValueFactory = _ => DocumentLimits.DefaultSessionMegabytes };
        var serverDocuments = new Option<int>(DocumentLimits.ServerOption) { Description = $"Most MiB of text (UTF-16) the open documents of every editor this server serves may hold together (default {DocumentLimits.DefaultServerMegabytes}).", DefaultValueFactory = _ => DocumentLimits.DefaultServerMegabytes };
        var engineOptions = new EngineCliOptions();
        var backendOptions = new BackendCliOptions();
        var workerOptions = new WorkerServeOptions();
        var root = new RootCommand("LspCopilot: self-hosted AI code completion over LSP, with a local GGUF model.")
        {
            stdio,
            maxTokens,
            tcp,
            tokenFile,
            maxClients,
            sessionDocuments,
            serverDocuments,
        };
        engineOptions.AddTo(root);
        backendOptions.AddTo(root);
        workerOptions.AddTo(root);

        root.SetAction(async (parse, ct) =>
        {
            var log = new ServerLog(ServerLog.Parse(parse.GetValue(logLevel)));
            var options = backendOptions.Overlay(parse, engineOptions.Read(parse, useEnvironment: false));
            var generation = new GenerationOptions { MaxTokens = parse.GetValue(maxTokens) ?? new GenerationOptions().MaxTokens };
            var documents = DocumentLimits.FromMegabytes(Math.Max(1, parse.GetValue(sessionDocuments)), Math.Max(1, parse.GetValue(serverDocuments)));
            // The editor's initializationOptions apply under the command line (OptionPrecedence).
            using var model = new ModelHost(options, log, Composition.WithChatModel(Composition.WithModelServers(workerOptions.Loader(parse)), workerOptions.ChatLoader(parse)), fromClient => backendOptions.Overlay(parse, engineOptions.Overlay(parse, fromClient)))
            {
                ModelOnRemoteMachine = workerOptions.ModelOnRemoteMachine(parse),
            };
            _ = MemoryLog.RunAsync(log, ct);
            StageTraceLog.EnableFromEnvironment();
            if (parse.GetValue(tcp) is { } address)
            {
                return await ServeTcpAsync(address, parse.GetValue(tokenFile), parse.GetValue(maxClients), model, generation, documents, log, ct).ConfigureAwait(false);
            }

            var (input, output) = StdioStreams.Acquire();
            log.Info("lspcopilot serving LSP over stdio.");
            var server = new LspServer(model, log, generation, documents: documents);
            return await server.RunAsync(input, output, ct).ConfigureAwait(false);
        });
        return root;
    }

    private static async Task<int> ServeTcpAsync(string address, FileInfo? tokenFile, int maxClients, ModelHost model, GenerationOptions generation, DocumentLimits documents, ServerLog log, CancellationToken ct)
    {
        TcpLspListener listener;
        try
        {
            var endpoint = TcpEndpoint.Parse(address);
            if (!AccessToken.TryResolve(tokenFile?.FullName, out var token, out var tokenError))
            {
                throw new ArgumentException(tokenError);
            }

            listener = new TcpLspListener(endpoint, token, Math.Max(1, maxClients), model, generation, log, documents);
            listener.Start();
        }
        catch (Exception ex) when (ex is ArgumentException or IOException or UnauthorizedAccessException or System.Net.Sockets.SocketException)
        {
            await Console.Error.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
            return 2;
        }

        // The model loads once for every client; start now so the first client does not wait for it.
        _ = model.StartLoading();
        await listener.RunAsync(ct).ConfigureAwait(false);
        return 0;
    }
}
