using System.Collections.Concurrent;
using System.Text;
using System.Xml.Linq;
using System.Xml;
using Microsoft.CodeAnalysis;

namespace LspCopilot.Context;

/// <summary>One-line C# signatures and XML-doc summaries of symbols, as a developer reads them in a tooltip.</summary>
public static class SymbolSignatures
{
    private static readonly SymbolDisplayFormat s_member = new(
        globalNamespaceStyle: SymbolDisplayGlobalNamespaceStyle.Omitted,
        typeQualificationStyle: SymbolDisplayTypeQualificationStyle.NameAndContainingTypes,
        genericsOptions: SymbolDisplayGenericsOptions.IncludeTypeParameters,
        memberOptions: SymbolDisplayMemberOptions.IncludeType | SymbolDisplayMemberOptions.IncludeParameters
            | SymbolDisplayMemberOptions.IncludeRef | SymbolDisplayMemberOptions.IncludeConstantValue,
        parameterOptions: SymbolDisplayParameterOptions.IncludeType | SymbolDisplayParameterOptions.IncludeName
            | SymbolDisplayParameterOptions.IncludeDefaultValue | SymbolDisplayParameterOptions.IncludeParamsRefOut
            | SymbolDisplayParameterOptions.IncludeExtensionThis,
        propertyStyle: SymbolDisplayPropertyStyle.ShowReadWriteDescriptor,
        miscellaneousOptions: SymbolDisplayMiscellaneousOptions.UseSpecialTypes | SymbolDisplayMiscellaneousOptions.EscapeKeywordIdentifiers
            | SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    private static readonly SymbolDisplayFormat s_qualifiedMember = s_member.AddMemberOptions(SymbolDisplayMemberOptions.IncludeContainingType);

    private static readonly SymbolDisplayFormat s_typeName = new(
        globalNamespaceStyle: SymbolDisplayGlobalNamespaceStyle.Omitted,
        typeQualificationStyle: SymbolDisplayTypeQualificationStyle.NameAndContainingTypes,
        genericsOptions: SymbolDisplayGenericsOptions.IncludeTypeParameters,
        miscellaneousOptions: SymbolDisplayMiscellaneousOptions.UseSpecialTypes | SymbolDisplayMiscellaneousOptions.EscapeKeywordIdentifiers
            | SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    private static readonly SymbolDisplayFormat s_qualifiedTypeName = new(
        globalNamespaceStyle: SymbolDisplayGlobalNamespaceStyle.Omitted,
        typeQualificationStyle: SymbolDisplayTypeQualificationStyle.NameAndContainingTypesAndNamespaces,
        genericsOptions: SymbolDisplayGenericsOptions.IncludeTypeParameters,
        miscellaneousOptions: SymbolDisplayMiscellaneousOptions.UseSpecialTypes | SymbolDisplayMiscellaneousOptions.EscapeKeywordIdentifiers
            | SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    /// <summary>Summaries of metadata symbols kept for the process; past this many the cache starts over (it only saves re-reading XML docs).</summary>
    private const int MaxMetadataSummaries = 10_000;

    private static readonly ConcurrentDictionary<string, string?> s_metadataSummaries = new(StringComparer.Ordinal);

    /// <summary>e.g. <c>decimal Total(bool includeTax = false)</c>, <c>string Name { get; set; }</c>, <c>static int Max(int a, int b)</c>.</summary>
    public static string Member(ISymbol symbol) => Prefix(symbol) + symbol.ToDisplayString(s_member);

    /// <summary>A member with its containing type, e.g. <c>decimal Order.Total(bool includeTax = false)</c>, <c>new Order(int id)</c>.</summary>
    public static string QualifiedMember(ISymbol symbol) =>
        symbol is IMethodSymbol { MethodKind: MethodKind.Constructor }
            ? "new " + symbol.ToDisplayString(s_member)
            : Prefix(symbol) + symbol.ToDisplayString(s_qualifiedMember);

    private static string Prefix(ISymbol symbol)
    {
        var isExtension = symbol is IMethodSymbol { IsExtensionMethod: true } or IMethodSymbol { MethodKind: MethodKind.ReducedExtension };
        return symbol switch
        {
            IFieldSymbol { IsConst: true } => "const ",
            IEventSymbol => symbol.IsStatic ? "static event " : "event ",
            _ when symbol.IsStatic && !isExtension => "static ",
            _ => string.Empty,
        };
    }

    /// <summary>e.g. <c>sealed class Acme.Orders.Order : Entity, IComparable&lt;Order&gt;</c>.</summary>
    public static string TypeHeader(INamedTypeSymbol type)
    {
        if (type.TypeKind == TypeKind.Delegate && type.DelegateInvokeMethod is { } invoke)
        {
            var signature = invoke.ToDisplayString(s_member);
            var open = signature.IndexOf('(', StringComparison.Ordinal);
            return $"delegate {invoke.ReturnType.ToDisplayString(s_typeName)} {type.ToDisplayString(s_qualifiedTypeName)}{(open >= 0 ? signature[open..] : "()")}";
        }

        var sb = new StringBuilder();
        if (type.IsStatic)
        {
            sb.Append("static ");
        }
        else if (type.IsAbstract && type.TypeKind == TypeKind.Class)
        {
            sb.Append("abstract ");
        }
        else if (type.IsSealed && type.TypeKind == TypeKind.Class)
        {
            sb.Append("sealed ");
        }

        sb.Append(type switch
        {
            { IsRecord: true, TypeKind: TypeKind.Struct } => "record struct",
            { IsRecord: true } => "record",
            { TypeKind: TypeKind.Interface } => "interface",
            { TypeKind: TypeKind.Struct } => "struct",
            { TypeKind: TypeKind.Enum } => "enum",
            _ => "class",
        });
        sb.Append(' ').Append(type.ToDisplayString(s_qualifiedTypeName));

        var bases = new List<string>();
        if (type.BaseType is { SpecialType: not (SpecialType.System_Object or SpecialType.System_ValueType or SpecialType.System_Enum) } baseType)
        {
            bases.Add(baseType.ToDisplayString(s_typeName));
        }

        bases.AddRange(type.Interfaces.Select(i => i.ToDisplayString(s_typeName)));
        if (bases.Count > 0)
        {
            sb.Append(" : ").Append(string.Join(", ", bases));
        }

        return sb.ToString();
    }

    public static string TypeName(ITypeSymbol type) => type.ToDisplayString(s_typeName);

    public static string QualifiedTypeName(ITypeSymbol type) => type.ToDisplayString(s_qualifiedTypeName);

    /// <summary>The first sentence of the symbol's XML doc summary, at most <paramref name="maxChars"/> characters; null without one.</summary>
    public static string? Summary(ISymbol symbol, int maxChars, CancellationToken cancellationToken)
    {
        var definition = symbol is IMethodSymbol { ReducedFrom: { } reduced } ? reduced : symbol.OriginalDefinition;
        if (definition.Locations.Any(l => l.IsInMetadata) && definition.GetDocumentationCommentId() is { } id)
        {
            var key = definition.ContainingAssembly?.Identity.Name + "|" + id + "|" + maxChars;
            if (s_metadataSummaries.Count >= MaxMetadataSummaries && !s_metadataSummaries.ContainsKey(key))
            {
                s_metadataSummaries.Clear();
            }

            return s_metadataSummaries.GetOrAdd(key, _ => Extract(definition.GetDocumentationCommentXml(expandIncludes: false, cancellationToken: cancellationToken), maxChars));
        }

        return Extract(definition.GetDocumentationCommentXml(expandIncludes: false, cancellationToken: cancellationToken), maxChars);
    }

    private static string? Extract(string? xml, int maxChars)
    {
        if (string.IsNullOrWhiteSpace(xml))
        {
            return null;
        }

        try
        {
            var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, ConformanceLevel = ConformanceLevel.Fragment };
            using var reader = XmlReader.Create(new StringReader(xml), settings);
            var summary = XElement.Load(reader).DescendantsAndSelf("summary").FirstOrDefault();
            if (summary is null)
            {
                return null;
            }

            var text = Collapse(InnerText(summary));
            if (text.Length == 0)
            {
                return null;
            }

            var sentence = text.IndexOf(". ", StringComparison.Ordinal);
            if (sentence > 0 && sentence < maxChars)
            {
                text = text[..(sentence + 1)];
            }

            return text.Length <= maxChars ? text : text[..Math.Max(0, maxChars - 1)].TrimEnd() + "…";
        }
        catch (XmlException)
        {
            return null;
        }
    }

    private static string InnerText(XElement element)
    {
        var sb = new StringBuilder();
        foreach (var node in element.Nodes())
        {
            switch (node)
            {
                case XText text:
                    sb.Append(text.Value);
                    break;
                case XElement child when child.Attribute("cref") is { } cref:
                    sb.Append(CrefName(cref.Value));
                    break;
                case XElement child when child.Attribute("langword") is { } word:
                    sb.Append(word.Value);
                    break;
                case XElement child when child.Attribute("name") is { } name && child.Name.LocalName is "paramref" or "typeparamref":
                    sb.Append(name.Value);
                    break;
                case XElement child:
                    sb.Append(InnerText(child));
                    break;
            }
        }

        return sb.ToString();
    }

    /// <summary><c>M:System.String.Join(System.String,System.String[])</c> → <c>String.Join</c>.</summary>
    private static string CrefName(string cref)
    {
        var body = cref.Length > 2 && cref[1] == ':' ? cref[2..] : cref;
        var paren = body.IndexOf('(', StringComparison.Ordinal);
        if (paren >= 0)
        {
            body = body[..paren];
        }

        var parts = body.Split('.');
        var name = parts.Length >= 2 ? parts[^2] + "." + parts[^1] : body;
        return cref.StartsWith("T:", StringComparison.Ordinal) ? parts[^1].Split('`')[0] : name.Replace("`", string.Empty, StringComparison.Ordinal);
    }

    private static string Collapse(string text)
    {
        var sb = new StringBuilder(text.Length);
        var space = false;
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c))
            {
                space = sb.Length > 0;
                continue;
            }

            if (space)
            {
                sb.Append(' ');
                space = false;
            }

            sb.Append(c);
        }

        return sb.ToString();
    }
}
