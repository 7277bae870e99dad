using LspCopilot.Completion.Languages;

namespace LspCopilot.Completion;

/// <summary>The user's choice of how long suggestions are (the editor setting <c>lspcopilot.suggestions.mode</c>).</summary>
public enum SuggestionMode
{
    /// <summary>The gate decides: one line after code on the line, several on a blank line.</summary>
    Auto,

    /// <summary>Never more than the rest of the current line.</summary>
    SingleLine,

    /// <summary>Several lines after code on the line too, where the language has stop rules (the text rules' languages; C# follows its syntax gate).</summary>
    MultiLine,
}

/// <summary>Applies a <see cref="SuggestionMode"/> to the gate's plan.</summary>
public static class SuggestionModes
{
    /// <summary>Reads a setting's value (<c>auto</c>, <c>singleLine</c>, <c>multiLine</c>, any case); null when it is none of them.</summary>
    public static SuggestionMode? Parse(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        "auto" => SuggestionMode.Auto,
        "singleline" or "single-line" or "single" => SuggestionMode.SingleLine,
        "multiline" or "multi-line" or "multi" => SuggestionMode.MultiLine,
        _ => null,
    };

    public static CompletionPlan Apply(SuggestionMode mode, CompletionPlan plan, DocumentSnapshot document, int offset)
    {
        if (mode == SuggestionMode.SingleLine && plan.Mode == CompletionMode.MultiLine)
        {
            return plan with { Mode = CompletionMode.SingleLine };
        }

        // Only the text rules' stoppers know how to end several lines after code; a syntax-aware plan keeps its own judgement.
        if (mode == SuggestionMode.MultiLine && plan.Mode == CompletionMode.SingleLine && plan.Stopper is BracketBalanceStopper or StopperChain
            && LanguageTable.For(document.LanguageId ?? string.Empty, document.Uri ?? string.Empty) is { } rule)
        {
            return plan with { Mode = CompletionMode.MultiLine, Stopper = LanguageStoppers.For(rule, document.Text, offset, CompletionMode.MultiLine) };
        }

        return plan;
    }
}
