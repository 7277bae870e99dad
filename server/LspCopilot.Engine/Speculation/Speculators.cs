namespace LspCopilot.Engine.Speculation;

/// <summary>The draft sources an engine's options ask for (<c>--speculation</c>), most capable first.</summary>
internal static class Speculators
{
    /// <summary>Null when speculation is off (or nothing can draft).</summary>
    public static Speculator? For(string mode, DraftModelDrafter? draft)
    {
        var sources = new List<IDraftSource>();
        if (draft is not null && mode is "auto" or "draft")
        {
            sources.Add(draft);
        }

        if (mode is "auto" or "lookup")
        {
            sources.Add(new PromptLookupDrafter());
        }

        return sources.Count == 0 ? null : new Speculator(sources);
    }
}
