using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;

namespace LspCopilot.Context;

/// <summary>One line of a type's card: its text, the name it shows and the symbol's id.</summary>
public sealed record CardLine(string Text, string Name, string? Key, bool IsData);

/// <summary>A type's header line and the lines of its members (an enum's members share its one line).</summary>
public sealed record TypeCard(CardLine Header, IReadOnlyList<CardLine> Members);

/// <summary>
/// The card of a type as the completion context lists it: its header, then what code outside it can use —
/// properties and fields (an enum's members, a constants class's values) before methods, each in source
/// order, constructors as <c>new T(…)</c>. Cards depend on the type alone, so they are made once per
/// compilation (the compilation stays while typing inside method bodies; see <see cref="SemanticModelReuse"/>).
/// </summary>
public static class TypeCards
{
    /// <summary>Most member lines of one card.</summary>
    public const int MaxMembers = 24;

    /// <summary>Most enum members written on an enum's line.</summary>
    private const int MaxEnumMembers = 40;

    private static readonly ConditionalWeakTable<object, ConcurrentDictionary<(string Type, bool Protected), TypeCard>> s_cards = new();

    /// <summary>A card is made once per version of the project's declarations (<see cref="DeclarationStamp"/>).</summary>
    /// <param name="withProtected">Include protected members (the card of a base type seen from a derived one).</param>
    public static TypeCard For(Compilation compilation, INamedTypeSymbol type, bool withProtected = false) =>
        s_cards.GetOrCreateValue(DeclarationStamp.For(compilation)).GetOrAdd((IdOf(type), withProtected), _ => Make(type.OriginalDefinition, withProtected));

    /// <summary>A type's identity across compilations: its documentation id.</summary>
    public static string IdOf(ITypeSymbol type) => type.OriginalDefinition.GetDocumentationCommentId() ?? type.OriginalDefinition.ToDisplayString();

    /// <summary>True for symbols declared in the user's code (not framework or package metadata).</summary>
    public static bool IsInSource(ISymbol symbol) => symbol.Locations.Any(l => l.IsInSource);

    private static TypeCard Make(INamedTypeSymbol type, bool withProtected)
    {
        var key = type.GetDocumentationCommentId();
        if (type.TypeKind == TypeKind.Enum)
        {
            var names = type.GetMembers().OfType<IFieldSymbol>().Where(f => f.IsConst).Select(f => f.Name).ToList();
            var shown = string.Join(", ", names.Take(MaxEnumMembers)) + (names.Count > MaxEnumMembers ? ", …" : string.Empty);
            return new TypeCard(new CardLine($"enum {SymbolSignatures.QualifiedTypeName(type)} {{ {shown} }}", type.Name, key, true), []);
        }

        var members = type.GetMembers()
            .Where(m => IsListed(m, withProtected))
            .OrderBy(m => m is IFieldSymbol or IPropertySymbol or IEventSymbol ? 0 : m is IMethodSymbol { MethodKind: MethodKind.Constructor } ? 1 : 2)
            .ThenBy(m => m.Locations.FirstOrDefault(l => l.IsInSource)?.SourceSpan.Start ?? int.MaxValue)
            .ThenBy(m => m.Name, StringComparer.Ordinal)
            .Take(MaxMembers)
            .Select(m => new CardLine(
                "    " + (m is IMethodSymbol { MethodKind: MethodKind.Constructor } ? SymbolSignatures.QualifiedMember(m) : Protection(m) + SymbolSignatures.Member(m)),
                m is IMethodSymbol { MethodKind: MethodKind.Constructor } ? type.Name : m.Name,
                m.GetDocumentationCommentId(),
                m is IFieldSymbol or IPropertySymbol))
            .ToList();
        return new TypeCard(new CardLine(SymbolSignatures.TypeHeader(type), type.Name, key, false), members);
    }

    private static string Protection(ISymbol member) => member.DeclaredAccessibility is Accessibility.Protected or Accessibility.ProtectedOrInternal or Accessibility.ProtectedAndInternal ? "protected " : string.Empty;

    private static bool IsListed(ISymbol member, bool withProtected)
    {
        if (member.IsImplicitlyDeclared || !member.CanBeReferencedByName && member is not IMethodSymbol { MethodKind: MethodKind.Constructor })
        {
            return false;
        }

        var accessible = member.DeclaredAccessibility switch
        {
            Accessibility.Public or Accessibility.Internal => true,
            Accessibility.Protected or Accessibility.ProtectedOrInternal or Accessibility.ProtectedAndInternal => withProtected,
            _ => false,
        };
        return accessible && member switch
        {
            IMethodSymbol { MethodKind: MethodKind.Constructor } ctor => !ctor.IsStatic && !(ctor.Parameters.Length == 0 && ctor.ContainingType.IsRecord),
            IMethodSymbol method => method.MethodKind == MethodKind.Ordinary,
            IPropertySymbol { IsIndexer: false } or IFieldSymbol or IEventSymbol => !(member.ContainingType.IsRecord && member.Name == "EqualityContract"),
            _ => false,
        };
    }
}
