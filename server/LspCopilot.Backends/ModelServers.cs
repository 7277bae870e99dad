using LspCopilot.Backends.Engines;
using LspCopilot.Completion;

namespace LspCopilot.Backends;

/// <summary>Builds the engine for a model server (<c>--backend llama-server|openai|ollama</c>).</summary>
public static class ModelServers
{
    /// <summary>Most bytes read from an API key file.</summary>
    private const int KeyFileLimit = 16 * 1024;

    /// <summary>
    /// The engine for <paramref name="options"/>' backend, with discovery started (waited for at most the discovery
    /// limit: a server that is down or still loading is retried by the first request, so the editor starts anyway).
    /// Throws <see cref="ModelLoadException"/> for options that cannot work (a bad endpoint, an unreadable key file).
    /// </summary>
    public static ModelServerEngine Create(EngineOptions options, ServerLog log, BackendLimits? limits = null)
    {
        var backend = options.Backend;
        if (!BackendOptionValues.TryNormalizeEndpoint(backend.EffectiveEndpoint, out _, out var endpointError))
        {
            throw new ModelLoadException(endpointError!);
        }

        var apiKey = ApiKey(backend.ApiKeyFile);
        limits ??= new BackendLimits();
        limits = limits with { Silence = TimeSpan.FromSeconds(Math.Max(1, options.StallTimeoutSeconds)) };
        ModelServerEngine engine = backend.Kind switch
        {
            BackendOptions.LlamaServer => new LlamaServerEngine(backend, options, apiKey, limits, log),
            BackendOptions.OpenAi => new OpenAiEngine(backend, options, apiKey, limits, log),
            BackendOptions.Ollama => new OllamaEngine(backend, options, apiKey, limits, log),
            _ => throw new ModelLoadException($"--backend {backend.Kind} is not a model server: use {BackendOptions.LlamaServer}, {BackendOptions.OpenAi} or {BackendOptions.Ollama}."),
        };
        log.Info($"Completions come from the {backend.Kind} backend at {engine.Endpoint}{(apiKey is null ? string.Empty : " (with an API key)")}.");
        if (apiKey is not null && new Uri(engine.Endpoint).Scheme == Uri.UriSchemeHttp && !new Uri(engine.Endpoint).IsLoopback)
        {
            log.Warning($"The API key goes to {engine.Endpoint} over plain http: anyone on the network path can read it. Use https:// if the server offers it.");
        }
        engine.WarmUpAsync(limits.Discovery).GetAwaiter().GetResult();
        return engine;
    }

    /// <summary>The key from <paramref name="keyFile"/> (a regular file, one line), else <c>$LSPCOPILOT_API_KEY</c>, else none.</summary>
    internal static string? ApiKey(string? keyFile)
    {
        string? text;
        if (keyFile is not null)
        {
            var kind = FileKinds.Of(keyFile);
            if (kind != FileKind.Regular)
            {
                throw new ModelLoadException($"--api-key-file '{keyFile}' is {(kind == FileKind.Missing ? "missing" : "not a regular file")}: put the server's API key in a file of its own.");
            }

            try
            {
                using var stream = File.OpenRead(keyFile);
                var buffer = new byte[KeyFileLimit];
                var read = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
                text = System.Text.Encoding.UTF8.GetString(buffer, 0, read).Trim();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new ModelLoadException($"Cannot read --api-key-file '{keyFile}': {ex.Message}", ex);
            }

            if (text.Length == 0)
            {
                throw new ModelLoadException($"--api-key-file '{keyFile}' is empty: put the server's API key in it.");
            }
        }
        else
        {
            text = Environment.GetEnvironmentVariable(BackendOptions.ApiKeyVariable)?.Trim();
            if (string.IsNullOrEmpty(text))
            {
                return null;
            }
        }

        return text.Any(char.IsControl) || text.Length >= KeyFileLimit
            ? throw new ModelLoadException("The API key must be one line of printable characters.")
            : text;
    }
}
