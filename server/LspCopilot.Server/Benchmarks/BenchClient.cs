using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using LspCopilot.Completion;
using LspCopilot.Server.Hosting;
using LspCopilot.Server.Protocol;
using LspCopilot.Server.Rpc;
using Nerdbank.Streams;
using StreamJsonRpc;

namespace LspCopilot.Server.Benchmarks;

/// <summary>
/// The real server on an in-memory duplex stream and a JSON-RPC client on the other end, for
/// measuring what an editor would see. The engine is shared and outlives the server.
/// </summary>
internal sealed class BenchClient : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource<TimeSpan>> _firstProgress = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _firstProgressAt = new(StringComparer.Ordinal);
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly ModelHost _host;
    private readonly Task<int> _server;
    private readonly string _languageId;
    private int _version = 1;

    public BenchClient(ICompletionEngine engine, GenerationOptions generation, ServerLog? log = null, string uri = "file:///bench/Bench.cs", string languageId = "csharp")
    {
        Uri = uri;
        _languageId = languageId;
        log ??= ServerLog.Silent;
        var (serverStream, clientStream) = FullDuplexStream.CreatePair();
        _host = new ModelHost(new EngineOptions { ModelPath = "in-memory" }, log, (_, _) => engine);
        _server = Task.Run(() => new LspServer(_host, log, generation, stats: Stats.StatsStore.Off).RunAsync(serverStream, serverStream));
        var formatter = new SystemTextJsonFormatter();
        LspJson.Configure(formatter.JsonSerializerOptions);
        Rpc = new JsonRpc(new HeaderDelimitedMessageHandler(clientStream, clientStream, formatter));
        Rpc.AddLocalRpcTarget(new Target(this), new JsonRpcTargetOptions { UseSingleObjectParameterDeserialization = true });
        Rpc.StartListening();
    }

    public JsonRpc Rpc { get; }

    public string Uri { get; }

    public async Task StartAsync(string text, string? rootUri = null, object? initializationOptions = null)
    {
        await Rpc.InvokeWithParameterObjectAsync<JsonElement>(LspMethods.Initialize, new
        {
            rootUri,
            initializationOptions,
            capabilities = new
            {
                textDocument = new { inlineCompletion = new { }, codeAction = new { codeActionLiteralSupport = new { }, resolveSupport = new { properties = new[] { "edit" } } } },
                workspace = new { workspaceEdit = new { documentChanges = true } },
            },
        }).ConfigureAwait(false);
        await Rpc.NotifyWithParameterObjectAsync(LspMethods.Initialized, new { }).ConfigureAwait(false);
        await Rpc.NotifyWithParameterObjectAsync(LspMethods.DidOpen, new { textDocument = new { uri = Uri, languageId = _languageId, version = _version, text } }).ConfigureAwait(false);
    }

    public Task InsertAsync(Position at, string text) =>
        Rpc.NotifyWithParameterObjectAsync(LspMethods.DidChange, new
        {
            textDocument = new { uri = Uri, version = ++_version },
            contentChanges = new object[] { new { range = new { start = at, end = at }, text } },
        });

    public Task ReplaceAllAsync(string text) =>
        Rpc.NotifyWithParameterObjectAsync(LspMethods.DidChange, new { textDocument = new { uri = Uri, version = ++_version }, contentChanges = new object[] { new { text } } });

    /// <summary>Sends an inline request; returns its text, or null when it was cancelled (by the client, or by an edit of the document: ContentModified) or empty.</summary>
    public async Task<string?> InlineAsync(Position at, string? partialToken = null, CancellationToken cancellationToken = default)
    {
        if (partialToken is not null)
        {
            _firstProgress[partialToken] = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        try
        {
            var result = await Rpc.InvokeWithParameterObjectAsync<InlineCompletionList>(
                LspMethods.InlineCompletion,
                new { textDocument = new { uri = Uri }, position = at, partialResultToken = partialToken },
                cancellationToken).ConfigureAwait(false);
            return result.Items.Count > 0 ? result.Items[0].InsertText : null;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
        catch (RemoteInvocationException ex) when (ex.ErrorCode == LspErrorCodes.ContentModified)
        {
            return null; // A later keystroke's didChange superseded it, as in an editor.
        }
    }

    /// <summary>A request whose partial results go to <paramref name="partialToken"/> (set in its params), so that <see cref="FirstProgressAsync"/> can time it.</summary>
    public Task<JsonElement> RequestWithProgressAsync(string method, object parameters, string partialToken, CancellationToken cancellationToken = default)
    {
        _firstProgress[partialToken] = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        return Rpc.InvokeWithParameterObjectAsync<JsonElement>(method, parameters, cancellationToken);
    }

    /// <summary>When the first $/progress for <paramref name="token"/> arrived, on this client's clock.</summary>
    public Task<TimeSpan> FirstProgressAsync(string token) => _firstProgress[token].Task;

    /// <summary>When the first $/progress for <paramref name="token"/> arrived (<see cref="Stopwatch.GetTimestamp"/>), or null when none did.</summary>
    public long? FirstProgressTimestamp(string token) => _firstProgressAt.TryGetValue(token, out var at) ? at : null;

    public TimeSpan Now => _clock.Elapsed;

    public async ValueTask DisposeAsync()
    {
        Rpc.Dispose();
        try
        {
            await _server.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException or ConnectionLostException or ObjectDisposedException or IOException)
        {
            // The server ends with the connection; its exit code does not matter to a benchmark.
        }
    }

    private sealed class Target(BenchClient client)
    {
        [JsonRpcMethod(LspMethods.Progress)]
        public void Progress(JsonElement value)
        {
            var token = value.GetProperty("token");
            var key = token.ValueKind == JsonValueKind.String ? token.GetString()! : token.GetRawText();
            if (client._firstProgress.TryGetValue(key, out var tcs))
            {
                client._firstProgressAt.TryAdd(key, Stopwatch.GetTimestamp());
                tcs.TrySetResult(client.Now);
            }
        }

        [JsonRpcMethod(LspMethods.ShowMessage)]
        public static void ShowMessage(JsonElement value) => _ = value;

        [JsonRpcMethod(LspMethods.LogMessage)]
        public static void LogMessage(JsonElement value) => _ = value;

        [JsonRpcMethod(LspMethods.WorkDoneProgressCreate)]
        public static object? CreateProgress(JsonElement value) => null;
    }
}
