using LspCopilot.Completion;
using LspCopilot.Server.Rpc;
using StreamJsonRpc;

namespace LspCopilot.Server.Handlers;

/// <summary>What <see cref="LspJsonFormatter"/> says of a message whose params were not an object or array.</summary>
internal sealed record MalformedParams(string Method, string Kind);

/// <summary>
/// Answers messages whose <c>params</c> was a string, number or boolean: a request gets -32602 with what to
/// send instead, a notification is dropped with a warning in the log — never silently.
/// </summary>
internal sealed class MalformedParamsHandler(ServerLog log)
{
    public const string RequestMethod = "$/lspcopilot/malformedRequestParams";
    public const string NotificationMethod = "$/lspcopilot/malformedNotificationParams";

    [JsonRpcMethod(RequestMethod, UseSingleObjectParameterDeserialization = true)]
    public object? Request(MalformedParams notice) => throw RpcErrors.InvalidParams(Describe(notice));

    [JsonRpcMethod(NotificationMethod, UseSingleObjectParameterDeserialization = true)]
    public void Notification(MalformedParams notice) => log.Warning($"Ignored a {notice.Method} notification: {Describe(notice)}");

    private static string Describe(MalformedParams notice) =>
        $"the params of {notice.Method} must be a JSON object (as the LSP specification defines it), not a {notice.Kind}.";
}
