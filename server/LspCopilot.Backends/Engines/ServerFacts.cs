using LspCopilot.Completion;

namespace LspCopilot.Backends.Engines;

/// <summary>What discovery learned about a model server (once per engine, until it succeeds).</summary>
internal sealed record ServerFacts(string ModelName, int ContextSize, FimTextTemplate Template)
{
    /// <summary>The server counts tokens with llama.cpp's <c>/tokenize</c>.</summary>
    public bool CanTokenize { get; init; }

    /// <summary>Ollama: the model's template takes a suffix (the <c>insert</c> capability).</summary>
    public bool Insert { get; init; }

    /// <summary>How chats are laid out: by the server's template for this model.</summary>
    public string? ChatLayout { get; init; }
}
