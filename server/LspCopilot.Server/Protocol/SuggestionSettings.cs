namespace LspCopilot.Server.Protocol;

/// <summary>initializationOptions.suggestions: how many suggestions, how long, and whether the server waits for a pause in typing.</summary>
public sealed record SuggestionSettings
{
    /// <summary>Suggestions per request (1–3; default 1): the first streams as today, the others are sampled after it.</summary>
    public int? Count { get; init; }

    /// <summary><c>auto</c> (default), <c>singleLine</c> or <c>multiLine</c>.</summary>
    public string? Mode { get; init; }

    /// <summary>
    /// The most the server waits for a pause in typing before engine work, in ms (0–1000; default 0: never), for a client
    /// that does not debounce; it waits only while the engine is slower than the typing.
    /// </summary>
    public int? DebounceMs { get; init; }
}
