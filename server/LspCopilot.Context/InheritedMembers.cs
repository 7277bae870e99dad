using Microsoft.CodeAnalysis;

namespace LspCopilot.Context;

/// <summary>
/// What the enclosing type inherits and can call unqualified: the public, internal and protected members of
/// its base classes in the user's code (nearest base first), each base as a card with signatures. Framework
/// bases (<c>Exception</c>, <c>Stream</c>) are left to the model's training.
/// </summary>
public static class InheritedMembers
{
    public const string SectionName = "inherited";

    public static SectionDraft? Build(INamedTypeSymbol? enclosingType, Compilation compilation, SyntaxTree tree, PromptWindowView window, HashSet<string> carded)
    {
        var items = new List<ContextItem>();
        var depth = 0;
        for (var type = enclosingType?.BaseType; type is not null && type.SpecialType == SpecialType.None; type = type.BaseType, depth++)
        {
            if (CardItems.IsFramework(type) || CardItems.IsVisible(type, tree, window) || !carded.Add(TypeCards.IdOf(type)))
            {
                continue;
            }

            var card = TypeCards.For(compilation, type.OriginalDefinition, withProtected: true);
            items.AddRange(CardItems.Of(card, (TypeCards.IsInSource(type) ? 78 : 45) - 3 * depth, depth * CardItems.Stride));
        }

        return items.Count == 0 ? null : new SectionDraft(SectionName, $"Inherited by {enclosingType!.Name} (callable unqualified):", items);
    }
}
