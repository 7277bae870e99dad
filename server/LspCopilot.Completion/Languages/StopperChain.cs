namespace LspCopilot.Completion.Languages;

/// <summary>Several stop rules at once: the suggestion ends where the first of them ends it.</summary>
public sealed class StopperChain(IReadOnlyList<ICompletionStopper> stoppers) : ICompletionStopper
{
    public IReadOnlyList<ICompletionStopper> Stoppers => stoppers;

    public int? FindStop(string generated)
    {
        int? stop = null;
        foreach (var stopper in stoppers)
        {
            if (stopper.FindStop(generated) is int keep && (stop is null || keep < stop))
            {
                stop = keep;
            }
        }

        return stop;
    }
}
