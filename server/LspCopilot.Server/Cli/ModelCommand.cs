using System.CommandLine;
using LspCopilot.Engine.Models;

namespace LspCopilot.Server.Cli;

/// <summary><c>lspcopilot model info|pull|list</c>: inspect GGUF files and manage the model cache.</summary>
public static class ModelCommand
{
    public static Command Create()
    {
        var cacheDir = CacheDirOption();
        return new Command("model", "Inspect GGUF models and download them into the model cache.")
        {
            ModelInfoCommand.Create(),
            ModelPullCommand.Create(cacheDir),
            ModelListCommand.Create(cacheDir),
        };
    }

    public static Option<string?> CacheDirOption() => new("--cache-dir")
    {
        Description = $"Model cache folder (else ${ModelCache.EnvironmentVariable}, else {ModelCache.DefaultRoot()}).",
    };
}
