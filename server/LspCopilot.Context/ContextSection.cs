using Microsoft.CodeAnalysis.Text;

namespace LspCopilot.Context;

/// <summary>One line of a context section. Lower <see cref="Priority"/> is kept first when the budget is short; <see cref="Order"/> is where it is written.</summary>
public sealed record ContextItem(string Text, int Priority, int Order)
{
    /// <summary>
    /// Expected use of the line, comparable across sections (higher is kept first when the completion
    /// context fills its budget, see <see cref="BudgetFill"/>); null: derived from <see cref="Priority"/>.
    /// </summary>
    public double? Weight { get; init; }

    /// <summary>What the line shows (a symbol's documentation id); a second line showing the same is left out.</summary>
    public string? Key { get; init; }

    /// <summary>The name the line teaches the model; a name the prompt's windows already show is worth less.</summary>
    public string? Name { get; init; }

    /// <summary>A line that must stand above this one (a type's header above its members).</summary>
    public ContextItem? Head { get; init; }

    /// <summary>Where the line's declaration is written in the current document: inside the prompt's windows it is left out.</summary>
    public TextSpan? Declared { get; init; }
}

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
