namespace LspCopilot.Completion;

/// <summary>
/// An engine that can show it is working: <see cref="Progress"/> grows with every prompt chunk decoded,
/// token generated or message received from its process. A request's stall deadline counts from the
/// last change of this number (<see cref="StallWatchdog"/>).
/// </summary>
public interface IProgressSource
{
    long Progress { get; }
}
