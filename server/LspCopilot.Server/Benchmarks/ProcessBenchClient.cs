using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using LspCopilot.Server.Hosting;
using LspCopilot.Server.Protocol;
using LspCopilot.Server.Rpc;
using LspCopilot.Server.Worker;
using StreamJsonRpc;

namespace LspCopilot.Server.Benchmarks;

/// <summary>
/// A real <c>lspcopilot --stdio</c> process driven over its stdin/stdout by a JSON-RPC client, as an editor
/// drives it: the time of each request's first <c>$/progress</c> (on <see cref="Stopwatch.GetTimestamp"/>'s clock,
/// which the server's processes share), and the server's stage marks (<see cref="StageTraceLog"/>, from its stderr).
/// </summary>
internal sealed class ProcessBenchClient : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentDictionary<string, long> _firstProgress = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Dictionary<string, long>> _marks = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _lastLines = new();
    private int _version = 1;

    private ProcessBenchClient(Process process)
    {
        _process = process;
        process.ErrorDataReceived += (_, e) => OnStderr(e.Data);
        process.BeginErrorReadLine();
        var formatter = new SystemTextJsonFormatter();
        LspJson.Configure(formatter.JsonSerializerOptions);
        Rpc = new JsonRpc(new HeaderDelimitedMessageHandler(process.StandardInput.BaseStream, process.StandardOutput.BaseStream, formatter));
        Rpc.AddLocalRpcTarget(new Target(this), new JsonRpcTargetOptions { UseSingleObjectParameterDeserialization = true });
        Rpc.StartListening();
    }

    public JsonRpc Rpc { get; }

    public string Uri { get; } = "file:///bench/story.txt";

    /// <summary>Starts this program as a language server with <paramref name="arguments"/> after <c>--stdio</c>, tracing its stages.</summary>
    public static ProcessBenchClient Start(IEnumerable<string> arguments)
    {
        var launch = WorkerLaunch.ForThisProgram() with { Environment = new Dictionary<string, string?> { [StageTraceLog.Variable] = "1" } };
        var process = Process.Start(launch.StartInfo(["--stdio", .. arguments])) ?? throw new InvalidOperationException("The language server did not start.");
        return new ProcessBenchClient(process);
    }

    /// <summary>Initializes the session and opens the plain-text document the benchmark types into.</summary>
    public async Task OpenAsync(string text, CancellationToken cancellationToken)
    {
        await Rpc.InvokeWithParameterObjectAsync<JsonElement>(LspMethods.Initialize, new { capabilities = new { textDocument = new { inlineCompletion = new { } } } }, cancellationToken).ConfigureAwait(false);
        await Rpc.NotifyWithParameterObjectAsync(LspMethods.Initialized, new { }).ConfigureAwait(false);
        await Rpc.NotifyWithParameterObjectAsync(LspMethods.DidOpen, new { textDocument = new { uri = Uri, languageId = "plaintext", version = _version, text } }).ConfigureAwait(false);
    }

    public Task ReplaceAllAsync(string text) =>
        Rpc.NotifyWithParameterObjectAsync(LspMethods.DidChange, new { textDocument = new { uri = Uri, version = ++_version }, contentChanges = new object[] { new { text } } });

    public Task InsertAsync(Position at, string text) =>
        Rpc.NotifyWithParameterObjectAsync(LspMethods.DidChange, new
        {
            textDocument = new { uri = Uri, version = ++_version },
            contentChanges = new object[] { new { range = new { start = at, end = at }, text } },
        });

    /// <summary>
    /// An inline request at <paramref name="at"/>, answered in full: milliseconds from sending it to its first
    /// <c>$/progress</c> (null when none came), and the moment it was sent.
    /// </summary>
    public async Task<(double? FirstPartialMs, long SentAt)> InlineAsync(Position at, string token, CancellationToken cancellationToken)
    {
        var sent = Stopwatch.GetTimestamp();
        await Rpc.InvokeWithParameterObjectAsync<InlineCompletionList>(
            LspMethods.InlineCompletion,
            new { textDocument = new { uri = Uri }, position = at, partialResultToken = token },
            cancellationToken).ConfigureAwait(false);
        return (_firstProgress.TryGetValue(token, out var first) ? Stopwatch.GetElapsedTime(sent, first).TotalMilliseconds : null, sent);
    }

    /// <summary>The server's stage marks of the request whose partial result token was <paramref name="token"/>, once its trace line arrived.</summary>
    public async Task<IReadOnlyDictionary<string, long>?> MarksAsync(string token)
    {
        for (var i = 0; i < 50 && !_marks.ContainsKey(token); i++)
        {
            await Task.Delay(10).ConfigureAwait(false);
        }

        return _marks.TryGetValue(token, out var marks) ? marks : null;
    }

    /// <summary>The last lines the server wrote to stderr, for an error message.</summary>
    public string LastOutput => string.Join(Environment.NewLine, _lastLines);

    private void OnStderr(string? line)
    {
        if (line is null)
        {
            return;
        }

        if (StageTraceLog.Parse(line) is { } trace)
        {
            _marks[trace.Key] = trace.Marks;
            return;
        }

        _lastLines.Enqueue(line);
        while (_lastLines.Count > 20 && _lastLines.TryDequeue(out _))
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        Rpc.Dispose();
        try
        {
            _process.StandardInput.Close();
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException or IOException or InvalidOperationException)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }

    private sealed class Target(ProcessBenchClient client)
    {
        [JsonRpcMethod(LspMethods.Progress)]
        public void Progress(JsonElement value)
        {
            var now = Stopwatch.GetTimestamp();
            var token = value.GetProperty("token");
            client._firstProgress.TryAdd(token.ValueKind == JsonValueKind.String ? token.GetString()! : token.GetRawText(), now);
        }

        [JsonRpcMethod(LspMethods.ShowMessage)]
        public static void ShowMessage(JsonElement value) => _ = value;

        [JsonRpcMethod(LspMethods.LogMessage)]
        public static void LogMessage(JsonElement value) => _ = value;

        [JsonRpcMethod(LspMethods.WorkDoneProgressCreate)]
        public static object? CreateProgress(JsonElement value) => null;
    }
}
