using System.Text.Json;
using LspCopilot.Completion;
using LspCopilot.Server.Protocol;

namespace LspCopilot.Server.Rpc;

/// <summary>What the client said in <c>initialize</c>, fixed for the session once read.</summary>
public sealed record ClientSettings(InitializeParams Params, InitializationOptions? Options, GenerationOptions Generation)
{
    /// <summary>Before initialize: nothing known, defaults everywhere.</summary>
    public static ClientSettings None { get; } = new(new InitializeParams(), null, new GenerationOptions());

    /// <summary>True when the client said it can show inline completions.</summary>
    public bool SupportsInline => HasCapability(Params.Capabilities, "textDocument", "inlineCompletion");

    public bool SupportsWorkDoneProgress => HasCapability(Params.Capabilities, "window", "workDoneProgress");

    /// <summary>True when the client lets the server register file watchers (workspace/didChangeWatchedFiles).</summary>
    public bool SupportsFileWatchers => HasCapability(Params.Capabilities, "workspace", "didChangeWatchedFiles", "dynamicRegistration");

    internal static bool HasCapability(JsonElement? capabilities, params string[] path)
    {
        if (capabilities is not { ValueKind: JsonValueKind.Object } node)
        {
            return false;
        }

        foreach (var name in path)
        {
            if (node.ValueKind != JsonValueKind.Object || !node.TryGetProperty(name, out node))
            {
                return false;
            }
        }

        return node.ValueKind is not (JsonValueKind.False or JsonValueKind.Null or JsonValueKind.Undefined);
    }
}
