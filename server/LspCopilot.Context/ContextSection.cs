namespace LspCopilot.Context;

/// <summary>One line of a context section. Lower <see cref="Priority"/> is kept first when the budget is short; <see cref="Order"/> is where it is written.</summary>
public sealed record ContextItem(string Text, int Priority, int Order);

/// <summary>A section before it is fitted to its budget.</summary>
public sealed record SectionDraft(string Name, string Title, IReadOnlyList<ContextItem> Items);

/// <summary>A rendered section of the context and its cost in model tokens.</summary>
public sealed record ContextSection(string Name, string Text, int Tokens);

/// <summary>The context at a cursor: the sections (in prompt order) and the text placed before the prefix window.</summary>
public sealed record ContextResult(GateDecision Gate, IReadOnlyList<ContextSection> Sections)
{
    /// <summary>The sections joined in prompt order; null when there are none.</summary>
    public string? Rendered => Sections.Count == 0 ? null : string.Concat(Sections.Select(s => s.Text));

    public int Tokens => Sections.Sum(s => s.Tokens);
}
