using Microsoft.CodeAnalysis;

namespace LspCopilot.Context;

/// <summary>
/// Types the code here is likely to reach for next although it does not name them yet: the project's types
/// that sibling files use together with the types this file names (<see cref="ProjectTypeIndex"/>), static
/// helper and constants classes and enums first, each as a card.
/// </summary>
public static class LikelyTypes
{
    public const string SectionName = "likely";

    private const int MaxTypes = 8;

    public static SectionDraft? Build(Compilation compilation, SyntaxTree tree, INamedTypeSymbol? enclosingType, PromptWindowView window, HashSet<string> carded, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(tree.FilePath))
        {
            return null;
        }

        var items = new List<ContextItem>();
        var rank = 0;
        foreach (var (type, _) in ProjectTypeIndex.For(compilation, cancellationToken).LikelyFor(tree.FilePath, MaxTypes * 2))
        {
            if (rank == MaxTypes || enclosingType is not null && TypeCards.IdOf(type) == TypeCards.IdOf(enclosingType) || CardItems.IsVisible(type, tree, window) || !carded.Add(TypeCards.IdOf(type)))
            {
                continue;
            }

            var weight = (ProjectTypeIndex.IsHelper(type) ? 60 : 50) - 2.5 * rank;
            items.AddRange(CardItems.Of(TypeCards.For(compilation, type), weight, rank++ * CardItems.Stride));
        }

        return items.Count == 0 ? null : new SectionDraft(SectionName, "Types the project uses with these:", items);
    }
}
