using System.CommandLine;
using System.CommandLine.Parsing;
using LspCopilot.Completion;

namespace LspCopilot.Server.Cli;

/// <summary>
/// The options that choose a model server instead of our own LLamaSharp engine (<c>--backend</c> and what it needs),
/// and their mapping onto <see cref="EngineOptions.Backend"/>. Given on the command line they win over the editor's
/// initializationOptions (backend, endpoint, remoteModel, fimTemplate, apiKeyFile), as every engine option does.
/// </summary>
public sealed class BackendCliOptions
{
    public BackendCliOptions()
    {
        Backend.Validators.Add(r => Check(r, BackendOptionValues.TryNormalizeKind(r.GetValueOrDefault<string>(), out _, out var e), e));
        Endpoint.Validators.Add(r => Check(r, BackendOptionValues.TryNormalizeEndpoint(r.GetValueOrDefault<string>(), out _, out var e), e));
        RemoteModel.Validators.Add(r => Check(r, BackendOptionValues.TryNormalizeRemoteModel(r.GetValueOrDefault<string>(), out _, out var e), e));
        FimTemplate.Validators.Add(r => Check(r, BackendOptionValues.TryNormalizeFimTemplate(r.GetValueOrDefault<string>(), out _, out var e), e));
        Slot.Validators.Add(r => Check(r, r.GetValueOrDefault<int?>() is null or >= 0, "--slot must be a slot number, 0 or more."));
    }

    public Option<string?> Backend { get; } = new("--backend")
    {
        Description = $"Where completions come from: {string.Join(", ", BackendOptions.Names)} (default llamasharp: the --model GGUF in our own worker). The others use a model server you run, at --endpoint.",
    };

    public Option<string?> Endpoint { get; } = new("--endpoint")
    {
        Description = "The model server's base URL (default: llama-server http://127.0.0.1:8080, openai http://127.0.0.1:8000, ollama http://127.0.0.1:11434).",
        HelpName = "URL",
    };

    public Option<string?> RemoteModel { get; } = new("--remote-model")
    {
        Description = "The model's name at the server (default: the first that /v1/models or /api/tags lists).",
        HelpName = "NAME",
    };

    public Option<string?> FimTemplate { get; } = new("--fim-template")
    {
        Description = $"The FIM template prompts are rendered with for openai, ollama without insert, and llama-server without /infill: {string.Join(", ", FimTextTemplates.Names)} (default: guessed from the model's name).",
    };

    public Option<string?> ApiKeyFile { get; } = new("--api-key-file")
    {
        Description = $"File holding the server's API key, sent as a Bearer token (default: ${BackendOptions.ApiKeyVariable}).",
        HelpName = "FILE",
    };

    public Option<int?> Slot { get; } = new("--slot")
    {
        Description = "llama-server only: the server slot (id_slot) this client's requests use, e.g. one per team member on a server started with -np N (default: the slot holding the warmed context).",
        HelpName = "N",
    };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Backend, Endpoint, RemoteModel, FimTemplate, ApiKeyFile, Slot })
        {
            command.Options.Add(option);
        }
    }

    /// <summary>The backend options given on the command line laid over <paramref name="baseOptions"/>' (e.g. the editor's).</summary>
    public EngineOptions Overlay(ParseResult result, EngineOptions baseOptions)
    {
        T? Value<T>(Option<T> option) => result.GetResult(option) is { } r ? r.GetValueOrDefault<T>() : default;

        var backend = baseOptions.Backend;
        if (Value(Backend) is { } kind)
        {
            backend = backend with { Kind = BackendOptionValues.TryNormalizeKind(kind, out var normalized, out var error) ? normalized : throw new ArgumentException(error) };
        }

        if (Value(Endpoint) is { } endpoint)
        {
            backend = backend with { Endpoint = BackendOptionValues.TryNormalizeEndpoint(endpoint, out var normalized, out var error) ? normalized : throw new ArgumentException(error) };
        }

        if (Value(RemoteModel) is { } model)
        {
            backend = backend with { RemoteModel = BackendOptionValues.TryNormalizeRemoteModel(model, out var normalized, out var error) ? normalized : throw new ArgumentException(error) };
        }

        if (Value(FimTemplate) is { } template)
        {
            backend = backend with { FimTemplate = BackendOptionValues.TryNormalizeFimTemplate(template, out var normalized, out var error) ? normalized : throw new ArgumentException(error) };
        }

        if (Value(ApiKeyFile) is { } keyFile)
        {
            backend = backend with { ApiKeyFile = keyFile };
        }

        if (Value(Slot) is int slot)
        {
            backend = backend with { Slot = slot };
        }

        return baseOptions with { Backend = backend };
    }

    private static void Check(OptionResult result, bool ok, string? error)
    {
        if (!ok)
        {
            result.AddError(error ?? $"Invalid value for {result.Option.Name}.");
        }
    }
}
