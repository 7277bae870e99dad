using LspCopilot.Completion;
using LspCopilot.Engine.Models;
using LspCopilot.Server.Configuration;
using LspCopilot.Server.Protocol;

namespace LspCopilot.Server.Hosting;

public enum ModelState
{
    NotStarted,
    Loading,
    Ready,
    Failed,
}

/// <summary>
/// Owns the one loaded model of the process. Loading starts once (the first caller's path wins),
/// runs off the request path, and a failure is kept as a user-facing message instead of an exception.
/// </summary>
/// <remarks>
/// <paramref name="commandLine"/> lays the server's command line over a set of options; which source wins
/// is <see cref="OptionPrecedence"/>'s to say.
/// </remarks>
public sealed class ModelHost(EngineOptions options, ServerLog log, Func<EngineOptions, ServerLog, ICompletionEngine> loader, Func<EngineOptions, EngineOptions>? commandLine = null) : IDisposable
{
    private readonly object _lock = new();
    private Task<ICompletionEngine?>? _loading;
    private volatile string? _error;
    private string? _modelPath;

    public EngineOptions Options => options;

    /// <summary>
    /// The model is loaded on another machine (<c>--worker ssh://…</c>): its path is that machine's, so this one's
    /// $LSPCOPILOT_MODEL and model cache are not consulted (the remote worker falls back to its own).
    /// </summary>
    public bool ModelOnRemoteMachine { get; init; }

    /// <summary>The model file being loaded (chosen when loading starts), else the server's --model.</summary>
    public string? ModelPath => Volatile.Read(ref _modelPath) ?? options.ModelPath;

    public string? Error => _error;

    public ModelState State => _loading switch
    {
        null => ModelState.NotStarted,
        { IsCompleted: false } => ModelState.Loading,
        { Result: null } => ModelState.Failed,
        _ => ModelState.Ready,
    };

    /// <summary>The engine once loaded, or null if loading failed (see <see cref="Error"/>).</summary>
    public Task<ICompletionEngine?> EngineAsync => _loading ?? Task.FromResult<ICompletionEngine?>(null);

    /// <summary>
    /// Starts loading (once; later calls get the same task), with the options <see cref="OptionPrecedence"/>
    /// makes of the server's and the editor's (<paramref name="client"/>; null when there is no editor yet).
    /// </summary>
    public Task<ICompletionEngine?> StartLoading(InitializationOptions? client = null)
    {
        lock (_lock)
        {
            if (_loading is not null)
            {
                return _loading;
            }

            var effective = OptionPrecedence.Engine(options, commandLine, client, log.Warning, localModelDefaults: !ModelOnRemoteMachine);
            _modelPath = effective.ModelPath;
            _loading = Task.Run(() => Load(effective));
            return _loading;
        }
    }

    private ICompletionEngine? Load(EngineOptions effective)
    {
        try
        {
            log.Info(effective.Backend.IsRemote
                ? $"Connecting to the {effective.Backend.Kind} backend at {effective.Backend.EffectiveEndpoint}…"
                : $"Loading model {effective.ModelPath ?? "(none configured)"}…");
            return loader(effective, log);
        }
        catch (ModelLoadException ex)
        {
            _error = ex.Message;
            log.Error("Model unavailable: " + ex.Message);
            return null;
        }
        catch (Exception ex)
        {
            _error = $"The model could not be loaded: {ex.Message}";
            log.Error("Model unavailable: " + _error);
            return null;
        }
    }

    public void Dispose()
    {
        if (_loading is { IsCompletedSuccessfully: true, Result: { } engine })
        {
            engine.Dispose();
        }
    }
}
