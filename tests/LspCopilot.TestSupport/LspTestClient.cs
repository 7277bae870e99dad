using System.Collections.Concurrent;
using System.Text.Json;
using LspCopilot.Server.Protocol;
using StreamJsonRpc;

namespace LspCopilot.TestSupport;

/// <summary>
/// An independent LSP client for tests: StreamJsonRpc over a stream with VS Code's framing. It records
/// the notifications the server sends ($/progress, window/showMessage, window/logMessage).
/// </summary>
public sealed class LspTestClient : IAsyncDisposable
{
    private readonly ConcurrentQueue<(string Method, JsonElement Params)> _notifications = new();
    private readonly SemaphoreSlim _notified = new(0);

    public LspTestClient(Stream duplex)
        : this(duplex, duplex)
    {
    }

    public LspTestClient(Stream sending, Stream receiving)
    {
        var formatter = new SystemTextJsonFormatter();
        LspJson.Configure(formatter.JsonSerializerOptions);
        Rpc = new JsonRpc(new HeaderDelimitedMessageHandler(sending, receiving, formatter));
        Rpc.AddLocalRpcTarget(new ClientTarget(this), new JsonRpcTargetOptions { UseSingleObjectParameterDeserialization = true });
        Rpc.StartListening();
    }

    public JsonRpc Rpc { get; }

    public IReadOnlyList<(string Method, JsonElement Params)> Notifications => [.. _notifications];

    public IEnumerable<JsonElement> NotificationsOf(string method) => Notifications.Where(n => n.Method == method).Select(n => n.Params);

    public Task<JsonElement> RequestAsync(string method, object? parameters, CancellationToken cancellationToken = default) =>
        Rpc.InvokeWithParameterObjectAsync<JsonElement>(method, parameters, cancellationToken);

    public Task NotifyAsync(string method, object? parameters) => Rpc.NotifyWithParameterObjectAsync(method, parameters);

    public async Task<JsonElement> InitializeAsync(object? initializationOptions = null, bool inline = true, bool workDoneProgress = false)
    {
        var capabilities = new Dictionary<string, object>
        {
            ["textDocument"] = inline ? new { inlineCompletion = new { dynamicRegistration = false } } : new { },
            ["window"] = new { workDoneProgress },
        };
        var result = await RequestAsync(LspMethods.Initialize, new
        {
            processId = Environment.ProcessId,
            clientInfo = new { name = "lsp-test-client", version = "1" },
            rootUri = (string?)null,
            capabilities,
            initializationOptions,
        });
        await NotifyAsync(LspMethods.Initialized, new { });
        return result;
    }

    public Task OpenAsync(string uri, string text, string languageId = "csharp", int version = 1) =>
        NotifyAsync(LspMethods.DidOpen, new { textDocument = new { uri, languageId, version, text } });

    public Task<JsonElement> InlineAsync(string uri, int line, int character, object? partialResultToken = null, CancellationToken cancellationToken = default) =>
        RequestAsync(LspMethods.InlineCompletion, new
        {
            textDocument = new { uri },
            position = new { line, character },
            context = new { triggerKind = 1 },
            partialResultToken,
        }, cancellationToken);

    /// <summary>Waits until a notification of <paramref name="method"/> matching <paramref name="predicate"/> arrives.</summary>
    public async Task<JsonElement> WaitForNotificationAsync(string method, Func<JsonElement, bool>? predicate = null, int timeoutMs = 20_000)
    {
        using var cts = new CancellationTokenSource(timeoutMs);
        while (true)
        {
            var match = NotificationsOf(method).Where(p => predicate?.Invoke(p) ?? true).Select(p => (JsonElement?)p).FirstOrDefault();
            if (match is { } found)
            {
                return found;
            }

            try
            {
                await _notified.WaitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"No {method} notification within {timeoutMs} ms; got: {string.Join(", ", Notifications.Select(n => n.Method))}");
            }
        }
    }

    private void Record(string method, JsonElement parameters)
    {
        _notifications.Enqueue((method, parameters.Clone()));
        _notified.Release();
    }

    /// <summary>The methods a client must answer; each records what arrived.</summary>
    private sealed class ClientTarget(LspTestClient client)
    {
        [JsonRpcMethod(LspMethods.Progress)]
        public void Progress(JsonElement value) => client.Record(LspMethods.Progress, value);

        [JsonRpcMethod(LspMethods.ShowMessage)]
        public void ShowMessage(JsonElement value) => client.Record(LspMethods.ShowMessage, value);

        [JsonRpcMethod(LspMethods.LogMessage)]
        public void LogMessage(JsonElement value) => client.Record(LspMethods.LogMessage, value);

        [JsonRpcMethod(LspMethods.WorkDoneProgressCreate)]
        public object? CreateProgress(JsonElement value)
        {
            client.Record(LspMethods.WorkDoneProgressCreate, value);
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Rpc.Dispose();
        try
        {
            await Rpc.Completion;
        }
        catch (Exception)
        {
            // The connection may already have failed; disposal is best effort.
        }
    }
}
