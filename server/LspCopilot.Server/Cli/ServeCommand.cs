using System.CommandLine;
using LspCopilot.Server.Configuration;
using LspCopilot.Server.Inference;
using LspCopilot.Server.Logging;
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
        var engineOptions = new EngineCliOptions();
        var workerOptions = new WorkerServeOptions();
        var root = new RootCommand("LspCopilot: self-hosted AI code completion over LSP, with a local GGUF model.")
        {
            stdio,
            maxTokens,
        };
        engineOptions.AddTo(root);
        workerOptions.AddTo(root);

        root.SetAction(async (parse, ct) =>
        {
            var log = new ServerLog(ServerLog.Parse(parse.GetValue(logLevel)));
            var options = engineOptions.Read(parse, useEnvironment: false);
            var generation = new GenerationOptions { MaxTokens = parse.GetValue(maxTokens) ?? new GenerationOptions().MaxTokens };
            // --model wins, then initializationOptions.modelPath, then $LSPCOPILOT_MODEL, then the default in the cache;
            // engine options: the command line over initializationOptions over the defaults.
            using var model = new ModelHost(options, log, workerOptions.Loader(parse), fromClient => engineOptions.Overlay(parse, fromClient));
            var (input, output) = StdioStreams.Acquire();
            log.Info("lspcopilot serving LSP over stdio.");
            var server = new LspServer(model, log, generation);
            return await server.RunAsync(input, output, ct).ConfigureAwait(false);
        });
        return root;
    }
}
