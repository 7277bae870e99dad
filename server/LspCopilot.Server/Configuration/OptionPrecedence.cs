using LspCopilot.Completion;
using LspCopilot.Engine.Models;
using LspCopilot.Server.Protocol;

namespace LspCopilot.Server.Configuration;

/// <summary>
/// Which source wins when a setting comes from more than one place — decided here and nowhere else.
/// Each source is read by its own reader (the command line by <c>EngineCliOptions</c>, the editor's
/// <c>initializationOptions</c> by <see cref="InitializationOptions.Read"/>); this class only orders them.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><b>Engine options</b> (how the one model of the process is loaded, and the backend that serves it:
/// --backend, --endpoint, --remote-model, --fim-template, --api-key-file): the server's command line, then the
/// editor's initializationOptions, then the defaults. The operator of a shared GPU box decides how its
/// model loads; an editor fills in what the command line left open.</item>
/// <item><b>Model path</b>: --model, then initializationOptions.modelPath, then $LSPCOPILOT_MODEL, then the
/// default model in the cache.</item>
/// <item><b>Generation options</b> (per session: how long and how random a suggestion is): the editor's
/// initializationOptions, then the server's --max-tokens, then the defaults — a suggestion's length is the
/// user's preference, so the server's value is only a default.</item>
/// </list>
/// </remarks>
public static class OptionPrecedence
{
    /// <summary>The model file: <paramref name="commandLine"/>, <paramref name="client"/>, $LSPCOPILOT_MODEL, then (when <paramref name="cache"/>) the default model in the cache.</summary>
    public static string? ModelPath(string? commandLine, string? client = null, bool cache = true) =>
        commandLine ?? client ?? EngineCliOptionsEnvironment.ModelPath() ?? (cache ? ModelDefaults.FindInCache() : null);

    /// <summary>
    /// The engine options a model loads with. <paramref name="server"/> is what the server was started with;
    /// <paramref name="reapplyCommandLine"/> lays the command line over a set of options (null where there is
    /// no command line, e.g. in tests: then the client's options apply over <paramref name="server"/>).
    /// </summary>
    /// <param name="localModelDefaults">False when the model loads on another machine: then only the command line and the editor name it.</param>
    public static EngineOptions Engine(EngineOptions server, Func<EngineOptions, EngineOptions>? reapplyCommandLine, InitializationOptions? client, Action<string> warn, bool localModelDefaults = true)
    {
        var effective = server;
        if (client?.Json is { } json)
        {
            var fromClient = EngineOptionsJson.Apply(reapplyCommandLine is null ? server : new EngineOptions(), json, out var problems);
            foreach (var problem in problems)
            {
                warn("initializationOptions: " + problem);
            }

            effective = reapplyCommandLine is null ? fromClient : reapplyCommandLine(fromClient);
        }

        return effective with { ModelPath = localModelDefaults ? ModelPath(effective.ModelPath, client?.ModelPath) : effective.ModelPath ?? client?.ModelPath };
    }

    /// <summary>A session's generation options: the client's values where valid, else the server's.</summary>
    public static GenerationOptions Generation(GenerationOptions server, InitializationOptions? client) => client is null ? server : server with
    {
        MaxTokens = client.MaxTokens is > 0 and var max ? max : server.MaxTokens,
        Temperature = client.Temperature is >= 0 and var t ? (float)t : server.Temperature,
    };
}
