using Microsoft.CodeAnalysis;

namespace LspCopilot.Context;

/// <summary>
/// The types the code at the cursor works with before any <c>.</c> is typed: the types of the locals,
/// parameters, fields and properties the enclosing member uses (nearest first) and of the calls' results,
/// their type arguments (<c>IRepository&lt;Order&gt;</c> brings <c>Order</c>), the enclosing member's
/// parameters and the enclosing type's fields. Each gets a card (<see cref="TypeCards"/>) weighted by how near
/// its use is; framework types are left to the model's training, the enclosing type to the outline.
/// </summary>
public static class TypesInPlay
{
    public const string SectionName = "types";

    /// <summary>Most types given a card.</summary>
    private const int MaxTypes = 12;

    /// <summary>Every type in play with its weight, framework types included (extension methods match them too).</summary>
    public static IReadOnlyList<(INamedTypeSymbol Type, double Weight)> Collect(UsedSymbols used, int offset)
    {
        var weights = new Dictionary<INamedTypeSymbol, double>(SymbolEqualityComparer.Default);
        foreach (var (type, position) in used.ValueTypes)
        {
            Add(weights, type, 58 + 24 * Math.Exp(-Math.Abs(offset - position) / 1500.0), 0);
        }

        if (used.EnclosingMember is IMethodSymbol method)
        {
            foreach (var parameter in method.Parameters)
            {
                Add(weights, parameter.Type, 70, 0);
            }
        }

        if (used.EnclosingType is { } enclosing)
        {
            foreach (var member in enclosing.GetMembers())
            {
                if (member is IFieldSymbol { IsImplicitlyDeclared: false } field)
                {
                    Add(weights, field.Type, 52, 0);
                }
                else if (member is IPropertySymbol { IsIndexer: false } property)
                {
                    Add(weights, property.Type, 50, 0);
                }
            }

            weights.Remove(enclosing.OriginalDefinition);
        }

        return [.. weights.OrderByDescending(w => w.Value).ThenBy(w => w.Key.Name, StringComparer.Ordinal).Select(w => (w.Key, w.Value))];
    }

    public static SectionDraft? Build(IReadOnlyList<(INamedTypeSymbol Type, double Weight)> inPlay, Compilation compilation, SyntaxTree tree, PromptWindowView window, HashSet<string> carded)
    {
        var items = new List<ContextItem>();
        var cards = 0;
        foreach (var (type, weight) in inPlay.Where(t => !CardItems.IsFramework(t.Type) && !CardItems.IsVisible(t.Type, tree, window)))
        {
            if (cards == MaxTypes || !carded.Add(TypeCards.IdOf(type)))
            {
                continue;
            }

            var card = TypeCards.For(compilation, type);
            items.AddRange(CardItems.Of(card, TypeCards.IsInSource(type) ? weight : weight * 0.5, cards++ * CardItems.Stride));
        }

        return items.Count == 0 ? null : new SectionDraft(SectionName, "Types in use here:", items);
    }

    /// <summary>Adds a type and, a little lower, its type arguments, element types and nullable underlying types.</summary>
    private static void Add(Dictionary<INamedTypeSymbol, double> weights, ITypeSymbol? type, double weight, int depth)
    {
        if (type is null || depth > 3 || weight <= 0)
        {
            return;
        }

        switch (type)
        {
            case IArrayTypeSymbol array:
                Add(weights, array.ElementType, weight - 2, depth + 1);
                return;
            case INamedTypeSymbol { IsTupleType: true } tuple:
                foreach (var element in tuple.TupleElements)
                {
                    Add(weights, element.Type, weight - 4, depth + 1);
                }

                return;
            case INamedTypeSymbol { TypeKind: not TypeKind.Error, IsAnonymousType: false } named:
                if (named.SpecialType == SpecialType.None)
                {
                    weights[named] = Math.Max(weights.GetValueOrDefault(named), weight);
                }

                foreach (var argument in named.TypeArguments)
                {
                    Add(weights, argument, weight - 4, depth + 1);
                }

                return;
        }
    }
}
