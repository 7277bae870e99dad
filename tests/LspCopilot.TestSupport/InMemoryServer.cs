using LspCopilot.Completion;
using LspCopilot.Server.Documents;
using LspCopilot.Server.Hosting;
using LspCopilot.Server.Rpc;
using LspCopilot.Server.Stats;
using LspCopilot.Server;
using Nerdbank.Streams;

namespace LspCopilot.TestSupport;

/// <summary>The real server on one end of an in-memory full-duplex pipe, a test client on the other.</summary>
public sealed class InMemoryServer : IAsyncDisposable
{
    private readonly LspTestClient? _client;
    private readonly RawLspClient? _raw;

    private InMemoryServer(ModelHost model, LspTestClient? client, RawLspClient? raw, Task<int> run)
    {
        Model = model;
        _client = client;
        _raw = raw;
        Run = run;
    }

    public ModelHost Model { get; }

    /// <summary>A StreamJsonRpc client (started with <see cref="Start"/>).</summary>
    public LspTestClient Client => _client ?? throw new InvalidOperationException("This server was started with a raw client.");

    /// <summary>A byte-level client (started with <see cref="StartRaw"/>).</summary>
    public RawLspClient Raw => _raw ?? throw new InvalidOperationException("This server was started with a StreamJsonRpc client.");

    /// <summary>Completes with the server's exit code.</summary>
    public Task<int> Run { get; }

    public static InMemoryServer Start(string? modelPath, EngineOptions? options = null, GenerationOptions? generation = null, Func<EngineOptions, ServerLog, ICompletionEngine>? loader = null, DocumentLimits? documents = null, DocumentBudget? serverDocuments = null, StatsStore? stats = null) =>
        Create(modelPath, options, generation, loader, documents, serverDocuments, raw: false, stats);

    public static InMemoryServer StartRaw(string? modelPath, EngineOptions? options = null, GenerationOptions? generation = null, Func<EngineOptions, ServerLog, ICompletionEngine>? loader = null, DocumentLimits? documents = null, DocumentBudget? serverDocuments = null, StatsStore? stats = null) =>
        Create(modelPath, options, generation, loader, documents, serverDocuments, raw: true, stats);

    private static InMemoryServer Create(string? modelPath, EngineOptions? options, GenerationOptions? generation, Func<EngineOptions, ServerLog, ICompletionEngine>? loader, DocumentLimits? documents, DocumentBudget? serverDocuments, bool raw, StatsStore? stats = null)
    {
        var (serverStream, clientStream) = FullDuplexStream.CreatePair();

        // LSPCOPILOT_TEST_LOG=debug shows the server's log on stderr when a test needs a closer look.
        var level = Environment.GetEnvironmentVariable("LSPCOPILOT_TEST_LOG");
        var log = string.IsNullOrEmpty(level) ? new ServerLog(LogLevel.Info, TextWriter.Null) : new ServerLog(ServerLog.Parse(level));
        var model = new ModelHost((options ?? new EngineOptions()) with { ModelPath = modelPath }, log, loader ?? Composition.InProcess);
        var server = new LspServer(model, log, generation, documents: documents, serverDocuments: serverDocuments, stats: stats);
        var run = Task.Run(() => server.RunAsync(serverStream, serverStream));
        return raw
            ? new InMemoryServer(model, null, new RawLspClient(clientStream, clientStream), run)
            : new InMemoryServer(model, new LspTestClient(clientStream), null, run);
    }

    public async ValueTask DisposeAsync()
    {
        if (_client is not null)
        {
            await _client.DisposeAsync();
        }

        if (_raw is not null)
        {
            await _raw.DisposeAsync();
        }

        try
        {
            await Run.WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception)
        {
            // The server ends when the client's stream closes; its exit code is not the point here.
        }

        Model.Dispose();
    }
}
