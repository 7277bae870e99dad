using LspCopilot.Completion;

namespace LspCopilot.Backends.Streaming;

/// <summary>
/// Where a streamed suggestion ends on our side, whatever the server does: the end of the line in single-line mode,
/// the plan's stopper, a FIM marker the model should never write, a time limit; more than <see cref="MaxChars"/> is a
/// server that ignored the token limit.
/// </summary>
internal sealed record GenerationRules(TimeSpan TimeLimit, int MaxChars)
{
    public CompletionMode? Mode { get; init; }

    public ICompletionStopper? Stopper { get; init; }

    public IReadOnlyList<string> CutAt { get; init; } = [];

    /// <summary>Where <paramref name="text"/> ends and why, or null when it goes on.</summary>
    public (int Keep, StopReason Reason)? FindEnd(string text)
    {
        if (Mode == CompletionMode.SingleLine && text.IndexOf('\n', StringComparison.Ordinal) is >= 0 and var newline)
        {
            return (newline > 0 && text[newline - 1] == '\r' ? newline - 1 : newline, StopReason.EndOfLine);
        }

        foreach (var marker in CutAt)
        {
            if (text.IndexOf(marker, StringComparison.Ordinal) is >= 0 and var at)
            {
                return (at, StopReason.EndOfGeneration);
            }
        }

        if (Stopper?.FindStop(text) is int keep)
        {
            return (Math.Clamp(keep, 0, text.Length), StopReason.Stopper);
        }

        return null;
    }
}
