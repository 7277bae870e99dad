namespace LspCopilot.Context;

/// <summary>
/// Fills the completion context's whole budget from every section's lines at once, by expected use
/// (<see cref="ContextItem.Weight"/>) rather than by fixed section shares: a line is taken while its
/// estimated cost (plus its section's title and its head line, when not taken yet) fits what is left, a line
/// showing what another already shows (<see cref="ContextItem.Key"/>) is skipped, and smaller lines still fill
/// the room a large one could not. The sections are then written in their given order and measured whole;
/// the least used lines go (with the lines that hang under them) until the exact count fits.
/// </summary>
public static class BudgetFill
{
    public static List<ContextSection> Fit(IReadOnlyList<SectionDraft> drafts, int budget, ContextStyle style, Func<string, int> countTokens)
    {
        if (budget <= 0)
        {
            return [];
        }

        var candidates = drafts
            .SelectMany((d, section) => d.Items.Select(item => (Item: item, Section: section)))
            .OrderByDescending(c => WeightOf(c.Item))
            .ThenBy(c => c.Section)
            .ThenBy(c => c.Item.Order)
            .ToList();
        var chosen = drafts.Select(_ => new List<ContextItem>()).ToList();
        var taken = new HashSet<ContextItem>(ReferenceEqualityComparer.Instance);
        var keys = new HashSet<string>(StringComparer.Ordinal);
        var used = 0;
        foreach (var (item, section) in candidates)
        {
            if (taken.Contains(item) || item.Key is { } key && keys.Contains(key))
            {
                continue;
            }

            var cost = Cost(item);
            var head = item.Head is { } h && !taken.Contains(h) ? h : null;
            if (head is not null)
            {
                if (head.Key is { } headKey && keys.Contains(headKey))
                {
                    continue;
                }

                cost += Cost(head);
            }

            if (chosen[section].Count == 0)
            {
                cost += countTokens(ContextRenderer.Render(style, drafts[section].Title, []));
            }

            if (used + cost > budget)
            {
                continue;
            }

            foreach (var line in head is null ? [item] : new[] { head, item })
            {
                chosen[section].Add(line);
                taken.Add(line);
                if (line.Key is { } lineKey)
                {
                    keys.Add(lineKey);
                }
            }

            used += cost;
        }

        while (true)
        {
            var sections = Render(drafts, chosen, style, countTokens);
            if (sections.Count == 0 || countTokens(string.Concat(sections.Select(s => s.Text))) <= budget)
            {
                return sections;
            }

            // The least used line goes, and whatever hangs under it.
            var (weakestSection, weakest) = chosen
                .SelectMany((lines, section) => lines.Select(line => (Section: section, Line: line)))
                .OrderBy(c => WeightOf(c.Line))
                .ThenByDescending(c => c.Line.Order)
                .First();
            chosen[weakestSection].RemoveAll(line => ReferenceEquals(line, weakest) || ReferenceEquals(line.Head, weakest));
        }

        int Cost(ContextItem item) => countTokens(ContextRenderer.RenderLines(style, [item.Text]));
    }

    /// <summary>A line's weight; lines without one rank by their section priority, below every weighted line of note.</summary>
    public static double WeightOf(ContextItem item) => item.Weight ?? 50 - item.Priority;

    private static List<ContextSection> Render(IReadOnlyList<SectionDraft> drafts, List<List<ContextItem>> chosen, ContextStyle style, Func<string, int> countTokens)
    {
        var sections = new List<ContextSection>();
        for (var i = 0; i < drafts.Count; i++)
        {
            if (chosen[i].Count == 0)
            {
                continue;
            }

            var text = ContextRenderer.Render(style, drafts[i].Title, chosen[i].OrderBy(l => l.Order).Select(l => l.Text));
            sections.Add(new ContextSection(drafts[i].Name, text, countTokens(text)));
        }

        return sections;
    }
}
