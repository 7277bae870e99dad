namespace LspCopilot.Context;

/// <summary>
/// Fits a section to a token budget: items are taken by priority while their estimated cost fits, then
/// written in their own order and measured exactly; the lowest-priority items go until the exact
/// count fits. A section with no item that fits is left out.
/// </summary>
public static class SectionFitter
{
    public static ContextSection? Fit(SectionDraft draft, int budget, ContextStyle style, Func<string, int> countTokens)
    {
        if (budget <= 0 || draft.Items.Count == 0)
        {
            return null;
        }

        var header = countTokens(ContextRenderer.Render(style, draft.Title, []));
        var chosen = new List<ContextItem>();
        var estimate = header;
        foreach (var item in draft.Items.OrderBy(i => i.Priority).ThenBy(i => i.Order))
        {
            var cost = countTokens(ContextRenderer.RenderLines(style, [item.Text]));
            if (estimate + cost > budget)
            {
                continue;
            }

            chosen.Add(item);
            estimate += cost;
        }

        while (chosen.Count > 0)
        {
            var text = ContextRenderer.Render(style, draft.Title, chosen.OrderBy(i => i.Order).Select(i => i.Text));
            var tokens = countTokens(text);
            if (tokens <= budget)
            {
                return new ContextSection(draft.Name, text, tokens);
            }

            chosen.Remove(chosen.OrderByDescending(i => i.Priority).ThenByDescending(i => i.Order).First());
        }

        return null;
    }
}
