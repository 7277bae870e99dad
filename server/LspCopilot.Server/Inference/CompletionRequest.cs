using LspCopilot.Server.Configuration;

namespace LspCopilot.Server.Inference;

public enum CompletionMode
{
    /// <summary>Stop at the end of the current line.</summary>
    SingleLine,

    /// <summary>May write several lines (a statement, a block, a member).</summary>
    MultiLine,
}

/// <summary>Decides, as text streams in, where a suggestion is complete (e.g. a statement closed).</summary>
public interface ICompletionStopper
{
    /// <summary>Returns the length of <paramref name="generated"/> to keep when the suggestion is complete, else null.</summary>
    int? FindStop(string generated);
}

/// <summary>One fill-in-the-middle completion asked of the engine.</summary>
public sealed record CompletionRequest(string Prefix, string Suffix, CompletionMode Mode)
{
    /// <summary>Extra context (e.g. from Roslyn) placed before the prefix window, already rendered for the model.</summary>
    public string? Context { get; init; }

    public GenerationOptions Generation { get; init; } = new();

    public ICompletionStopper? Stopper { get; init; }

    /// <summary>Requests with the same key supersede each other (one document of one client); null: never superseded.</summary>
    public string? DocumentKey { get; init; }

    /// <summary>Who asked (one LSP session); the scheduler takes turns between clients.</summary>
    public string? ClientId { get; init; }
}

public enum StopReason
{
    /// <summary>Answered from the result cache (a repeat, or typing through a shown suggestion).</summary>
    Cached,

    EndOfGeneration,
    EndOfLine,
    TokenLimit,
    Stopper,
    ContextFull,
}

public sealed record CompletionStats(
    int PromptTokens,
    int ReusedTokens,
    int GeneratedTokens,
    TimeSpan TimeToFirstToken,
    TimeSpan Total)
{
    /// <summary>Prompt tokens moved into place in the KV cache instead of decoded (chunk reuse).</summary>
    public int Shifted { get; init; }

    /// <summary>Prompt tokens decoded for this request.</summary>
    public int Decoded => PromptTokens - ReusedTokens - Shifted;

    public double TokensPerSecond
    {
        get
        {
            var decodeSeconds = (Total - TimeToFirstToken).TotalSeconds;
            return GeneratedTokens > 1 && decodeSeconds > 0 ? (GeneratedTokens - 1) / decodeSeconds : 0;
        }
    }
}

public sealed record CompletionResult(string Text, StopReason Reason, CompletionStats Stats);

/// <summary>A loaded model that completes text. Implementations serialize their own decoding.</summary>
public interface ICompletionEngine : IDisposable
{
    /// <summary>File name of the model, for status and logs.</summary>
    string ModelName { get; }

    FimLayout Fim { get; }

    int ContextSize { get; }

    int CountTokens(string text);

    /// <summary>
    /// Completes at the cursor. <paramref name="onText"/> receives the whole text so far after each
    /// token. Cancellation is honoured between prefill chunks and per generated token.
    /// </summary>
    Task<CompletionResult> CompleteAsync(CompletionRequest request, Action<string>? onText, CancellationToken cancellationToken);
}

public enum EnginePhase
{
    Idle,
    Prefill,
    Generate,
}
