using System.CommandLine;
using LspCopilot.Server.Configuration;

namespace LspCopilot.Server.Cli;

/// <summary>The options every command that loads a model accepts, and their mapping to <see cref="EngineOptions"/>.</summary>
public sealed class EngineCliOptions
{
    public Option<string?> Model { get; } = new("--model", "-m")
    {
        Description = "GGUF model file (else initializationOptions.modelPath, else $LSPCOPILOT_MODEL).",
    };

    public Option<int?> Threads { get; } = new("--threads", "-t")
    {
        Description = "CPU threads for generation and prompt processing (default: all cores).",
    };

    public Option<uint?> ContextSize { get; } = new("--context-size", "-c")
    {
        Description = "KV cache size in tokens (default: the model's, at most 8192).",
    };

    public Option<int?> PrefillChunk { get; } = new("--prefill-chunk")
    {
        Description = "Prompt tokens per decode call; cancellation is checked between chunks (default 64).",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Model);
        command.Options.Add(Threads);
        command.Options.Add(ContextSize);
        command.Options.Add(PrefillChunk);
    }

    /// <summary>Reads the options; the model path falls back to $LSPCOPILOT_MODEL only when <paramref name="useEnvironment"/>.</summary>
    public EngineOptions Read(ParseResult result, bool useEnvironment)
    {
        var options = new EngineOptions
        {
            ModelPath = result.GetValue(Model) ?? (useEnvironment ? ModelPathFromEnvironment() : null),
            ContextSize = result.GetValue(ContextSize),
        };
        if (result.GetValue(Threads) is int threads)
        {
            if (threads < 1)
            {
                throw new ArgumentException("--threads must be at least 1.");
            }

            options = options with { Threads = threads, BatchThreads = threads };
        }

        if (result.GetValue(PrefillChunk) is int chunk)
        {
            options = options with { PrefillChunk = Math.Max(1, chunk) };
        }

        return options;
    }

    public static string? ModelPathFromEnvironment()
    {
        var value = Environment.GetEnvironmentVariable("LSPCOPILOT_MODEL");
        return string.IsNullOrWhiteSpace(value) ? null : value;
    }
}
