using System.Text.Json;
using LspCopilot.Completion;
using LspCopilot.Engine.Models;

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
/// Where the options come from, strongest first: the command line (<paramref name="commandLine"/>
/// re-applies it over the client's), the editor's initializationOptions, then the defaults. The model
/// path: --model, initializationOptions.modelPath, $LSPCOPILOT_MODEL, the default model in the cache.
/// </remarks>
public sealed class ModelHost(EngineOptions options, ServerLog log, Func<EngineOptions, ServerLog, ICompletionEngine> loader, Func<EngineOptions, EngineOptions>? commandLine = null) : IDisposable
{
    private readonly object _lock = new();
    private Task<ICompletionEngine?>? _loading;
    private volatile string? _error;

    public EngineOptions Options => options;

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

    /// <summary>Starts loading (once). <paramref name="fallbackPath"/> is used when no --model was given.</summary>
    public Task<ICompletionEngine?> StartLoading(string? fallbackPath) => StartLoading(fallbackPath, null);

    /// <summary>
    /// Starts loading (once; later calls get the same task): the engine options of the editor's
    /// initializationOptions apply under the command line's.
    /// </summary>
    public Task<ICompletionEngine?> StartLoading(string? fallbackPath, JsonElement? initializationOptions)
    {
        lock (_lock)
        {
            if (_loading is not null)
            {
                return _loading;
            }

            var effective = options;
            if (initializationOptions is { ValueKind: JsonValueKind.Object } json)
            {
                var fromClient = EngineOptionsJson.Apply(commandLine is null ? options : new EngineOptions(), json, out var problems);
                foreach (var problem in problems)
                {
                    log.Warning("initializationOptions: " + problem);
                }

                effective = commandLine is null ? fromClient : commandLine(fromClient);
            }

            effective = effective with
            {
                ModelPath = effective.ModelPath ?? fallbackPath ?? EngineCliOptionsEnvironment.ModelPath() ?? ModelDefaults.FindInCache(),
            };
            _loading = Task.Run(() => Load(effective));
            return _loading;
        }
    }

    private ICompletionEngine? Load(EngineOptions effective)
    {
        try
        {
            log.Info($"Loading model {effective.ModelPath ?? "(none configured)"}…");
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
