using LspCopilot.Completion;

namespace LspCopilot.Server.Benchmarks;

/// <summary>Shape of the generated workspace and of the typing session the context benchmark replays.</summary>
public sealed record ContextBenchmarkOptions
{
    /// <summary>C# files in the generated workspace, the big one included.</summary>
    public int Files { get; init; } = 200;

    /// <summary>Lines of the one big file the typing happens in.</summary>
    public int BigFileLines { get; init; } = 5000;

    /// <summary>Keystrokes measured after the warm-up.</summary>
    public int Keystrokes { get; init; } = 300;

    /// <summary>Keystrokes typed first and not measured (JIT, first compilation, caches).</summary>
    public int WarmUpKeystrokes { get; init; } = 60;

    /// <summary>Where to generate the workspace; null = a new temporary folder, deleted afterwards.</summary>
    public string? Folder { get; init; }

    /// <summary>The model's tokenizer; null = the chars/4 estimate.</summary>
    public ITokenCounter? Tokenizer { get; init; }
}
