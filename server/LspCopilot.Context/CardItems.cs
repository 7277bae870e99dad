using Microsoft.CodeAnalysis;

namespace LspCopilot.Context;

/// <summary>Turns a <see cref="TypeCard"/> into context lines: the header, then the members hanging under it.</summary>
public static class CardItems
{
    /// <param name="weight">The card's expected use: the header's weight; members a little less, data before methods, in card order.</param>
    /// <param name="order">Where the card is written in its section (its lines take the next <see cref="TypeCards.MaxMembers"/> + 1 places).</param>
    public static IEnumerable<ContextItem> Of(TypeCard card, double weight, int order)
    {
        var header = new ContextItem(card.Header.Text, 0, order) { Weight = weight, Key = card.Header.Key, Name = card.Header.Name };
        yield return header;
        for (var i = 0; i < card.Members.Count; i++)
        {
            var member = card.Members[i];
            yield return new ContextItem(member.Text, 1 + i, order + 1 + i)
            {
                Weight = weight - 1 - 0.4 * i - (member.IsData ? 0 : 2),
                Key = member.Key,
                Name = member.Name,
                Head = header,
            };
        }
    }

    /// <summary>Places per card in a section's order.</summary>
    public const int Stride = TypeCards.MaxMembers + 2;

    /// <summary>True for types from the framework (System.*, Microsoft.*): the model knows them from training.</summary>
    public static bool IsFramework(ITypeSymbol type)
    {
        if (TypeCards.IsInSource(type))
        {
            return false;
        }

        var ns = type.ContainingNamespace;
        while (ns is { ContainingNamespace.IsGlobalNamespace: false })
        {
            ns = ns.ContainingNamespace;
        }

        return ns?.Name is "System" or "Microsoft" or "Windows";
    }

    /// <summary>True when the type is declared in the current document inside the prompt's windows.</summary>
    public static bool IsVisible(INamedTypeSymbol type, SyntaxTree tree, PromptWindowView window) =>
        type.DeclaringSyntaxReferences.Any(r => r.SyntaxTree.FilePath == tree.FilePath && window.Shows(r.Span));
}
